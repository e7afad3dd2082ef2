/**
 * Refuses native code that Lambda cannot load. Every `.node` addon and shared library (`.so`, `.so.N…`) under
 * the given folders must be an ELF64 little-endian file for the target architecture, linked against glibc (not
 * musl), and need no GLIBC_/GLIBCXX_/CXXABI_ symbol version newer than Amazon Linux 2023 provides (glibc 2.34,
 * GCC 11's libstdc++: GLIBCXX_3.4.29, CXXABI_1.3.13).
 *
 * `npm run package` runs it over the build context, and the image's Dockerfile runs the bundled copy
 * (`check-native.mjs`) over the modules it has just compiled, so a bad build fails before anything deploys.
 * Usage: `tsx scripts/native-check.ts <dir>… [--arch x64|arm64] [--prune-other-platforms]`.
 */
import { readFile, readdir, rm } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type LambdaArch = "x64" | "arm64";

/** Amazon Linux 2023 (the nodejs22.x runtime and base image): the newest symbol version of each library. */
export const AL2023_SYMBOL_LIMITS: Record<string, number[]> = {
  GLIBC: [2, 34],
  GLIBCXX: [3, 4, 29],
  CXXABI: [1, 3, 13],
};

const MACHINES: Record<LambdaArch, { code: number; name: string }> = {
  x64: { code: 62, name: "x86-64" },
  arm64: { code: 183, name: "AArch64" },
};
const MACHINE_NAMES: Record<number, string> = {
  3: "x86 (32-bit)",
  40: "ARM (32-bit)",
  62: "x86-64",
  183: "AArch64",
};

const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;

export interface NativeFileReport {
  file: string;
  /** Why Lambda could not load it; empty when it is fine. */
  problems: string[];
  /** Every versioned symbol requirement found, e.g. `GLIBCXX_3.4.29`. */
  versions: string[];
}

function cstring(buf: Buffer, offset: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString("latin1", offset, end < 0 ? buf.length : end);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Inspects one file's bytes. Pure: the tests feed it patched copies of real addons. */
export function inspectElf(file: string, buf: Buffer, arch: LambdaArch = "x64"): NativeFileReport {
  const report: NativeFileReport = { file, problems: [], versions: [] };
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) {
    const magic = buf.length >= 4 ? buf.readUInt32BE(0) : 0;
    const kind =
      magic === 0xcffaedfe || magic === 0xcafebabe
        ? "a macOS (Mach-O) binary"
        : buf.length >= 2 && buf.toString("latin1", 0, 2) === "MZ"
          ? "a Windows (PE) binary"
          : "not an ELF file";
    report.problems.push(`${kind}, but Lambda runs Linux ${MACHINES[arch].name}`);
    return report;
  }
  if (buf[4] !== 2 || buf[5] !== 1) {
    report.problems.push(`not a 64-bit little-endian ELF file (Lambda runs Linux ${MACHINES[arch].name})`);
    return report;
  }
  const machine = buf.readUInt16LE(18);
  if (machine !== MACHINES[arch].code) {
    report.problems.push(
      `built for ${MACHINE_NAMES[machine] ?? `machine ${machine}`}, but the function runs on ${MACHINES[arch].name}`,
    );
  }
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  if (!shoff || shoff + shnum * shentsize > buf.length) {
    report.problems.push("has no readable section headers, so its symbol versions cannot be checked");
    return report;
  }
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      type: buf.readUInt32LE(at + 4),
      offset: Number(buf.readBigUInt64LE(at + 24)),
      size: Number(buf.readBigUInt64LE(at + 32)),
      link: buf.readUInt32LE(at + 40),
      info: buf.readUInt32LE(at + 44),
    };
  };
  const needed: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type === SHT_DYNAMIC) {
      const strtab = section(s.link).offset;
      for (let at = s.offset; at + 16 <= s.offset + s.size; at += 16) {
        const tag = buf.readBigInt64LE(at);
        if (tag === 0n) break;
        if (tag === BigInt(DT_NEEDED))
          needed.push(cstring(buf, strtab + Number(buf.readBigUInt64LE(at + 8))));
      }
    }
    if (s.type === SHT_GNU_VERNEED) {
      const strtab = section(s.link).offset;
      let entry = s.offset;
      for (let n = 0; n < s.info; n++) {
        const count = buf.readUInt16LE(entry + 2);
        let aux = entry + buf.readUInt32LE(entry + 8);
        for (let k = 0; k < count; k++) {
          report.versions.push(cstring(buf, strtab + buf.readUInt32LE(aux + 8)));
          aux += buf.readUInt32LE(aux + 12);
        }
        const next = buf.readUInt32LE(entry + 12);
        if (!next) break;
        entry += next;
      }
    }
  }
  const musl = needed.find((lib) => lib.startsWith("libc.musl"));
  if (musl) report.problems.push(`linked against musl (${musl}), but Lambda's Linux uses glibc`);
  for (const version of new Set(report.versions)) {
    const m = /^(GLIBC|GLIBCXX|CXXABI)_(\d+(?:\.\d+)*)$/.exec(version);
    const limit = m && AL2023_SYMBOL_LIMITS[m[1]!];
    if (!m || !limit) continue;
    const parts = m[2]!.split(".").map(Number);
    if (compareVersions(parts, limit) > 0) {
      report.problems.push(
        `needs ${version}, newer than Amazon Linux 2023 provides (${m[1]}_${limit.join(".")}): ` +
          "it was compiled on a newer system; build it in the Lambda base image",
      );
    }
  }
  return report;
}

/** `.node` addons and shared libraries: what the dynamic loader will map at run time. */
export const isNativeFile = (name: string) => /\.node$|\.so(\.\d+)*$/.test(name);

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile() && isNativeFile(entry.name)) yield full;
  }
}

/**
 * Removes prebuilt binaries of other platforms that multi-platform packages carry (onnxruntime-node ships
 * darwin, win32 and both linux architectures in one package): folders named `darwin` or `win32`, and
 * `linux/<other arch>`. They could never load on Lambda; pruned, they neither bloat the image nor trip the check.
 */
export async function pruneOtherPlatforms(dir: string, arch: LambdaArch = "x64"): Promise<string[]> {
  const other = arch === "x64" ? "arm64" : "x64";
  const removed: string[] = [];
  const visit = async (d: string, parent: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = join(d, entry.name);
      if (entry.name === "darwin" || entry.name === "win32" || (parent === "linux" && entry.name === other)) {
        await rm(full, { recursive: true, force: true });
        removed.push(full);
      } else await visit(full, entry.name);
    }
  };
  await visit(dir, "");
  return removed;
}

export class NativeModuleError extends Error {
  override name = "NativeModuleError";
}

/** Inspects every native file under `dirs`; throws one error naming each bad file and why. */
export async function checkNativeModules(
  dirs: string[],
  arch: LambdaArch = "x64",
): Promise<NativeFileReport[]> {
  const reports: NativeFileReport[] = [];
  for (const dir of dirs) {
    for await (const file of walk(dir)) reports.push(inspectElf(file, await readFile(file), arch));
  }
  const bad = reports.filter((r) => r.problems.length);
  if (bad.length) {
    throw new NativeModuleError(
      `${bad.length} native file(s) cannot load on Lambda (Amazon Linux 2023, ${MACHINES[arch].name}):\n` +
        bad
          .map((r) => `  ${relative(process.cwd(), r.file) || r.file}: ${r.problems.join("; ")}`)
          .join("\n") +
        "\nNative modules must be compiled inside the Lambda base image (the Dockerfile does this); " +
        "never ship the build machine's node_modules.",
    );
  }
  return reports;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const archAt = args.indexOf("--arch");
  const arch = (archAt >= 0 ? args.splice(archAt, 2)[1] : "x64") as LambdaArch;
  const pruneAt = args.indexOf("--prune-other-platforms");
  const prune = pruneAt >= 0 && args.splice(pruneAt, 1).length > 0;
  if (!(arch in MACHINES) || !args.length) {
    console.error("usage: check-native <dir>… [--arch x64|arm64] [--prune-other-platforms]");
    process.exit(2);
  }
  try {
    if (prune) for (const dir of args) await pruneOtherPlatforms(dir, arch);
    const reports = await checkNativeModules(args, arch);
    console.log(`native check: ${reports.length} file(s) load on Lambda (Amazon Linux 2023, ${arch})`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
