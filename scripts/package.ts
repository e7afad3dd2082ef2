/**
 * `npm run package`: builds the Docker build context of both Lambda images into dist/image/ (see
 * shared/artifacts.ts):
 *   Dockerfile          functions/Dockerfile: targets `mcp` and `refresh`, natives compiled in the Lambda image
 *   deps/               package.json + package-lock.json of the modules that stay out of the bundles (a
 *                       subset of the repo's lockfile: same versions, same integrity hashes)
 *   check-native.mjs    scripts/native-check.ts, run by the Dockerfile over the modules it compiled
 *   mcp/ refresh/       each handler bundled with esbuild (index.mjs)
 *   model/              the embedding model from dist/model/ (`npm run model:fetch`)
 *   image-tags.json     a content-hash tag per target, so a changed handler deploys a new image
 * No native file of this machine is shipped; the ones in the context are checked anyway.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";
import { build } from "esbuild";
import {
  ARTIFACT_DIRS,
  IMAGE_TAGS_FILE,
  IMAGE_TARGETS,
  LAMBDA_LIMITS,
  type ImageTags,
} from "../shared/artifacts.js";
import { checkNativeModules } from "./native-check.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Packages that stay out of the bundles: native addons and transformers.js (which loads onnxruntime-node). */
export const RUNTIME_PACKAGES = ["@xenova/transformers", "hnswlib-node"];
const EXTERNAL = [...RUNTIME_PACKAGES, "onnxruntime-node", "sharp"];

async function bundle(entry: string, outdir: string, file = "index.mjs"): Promise<void> {
  await build({
    entryPoints: [join(REPO, entry)],
    outfile: join(outdir, file),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: true,
    minify: true,
    keepNames: true,
    external: EXTERNAL,
    // ES module builds first: some packages (jsonc-parser) ship a UMD "main" that cannot be bundled.
    mainFields: ["module", "main"],
    legalComments: "none",
    // CommonJS dependencies bundled into an ES module still call require().
    banner: {
      js: 'import { createRequire as __thothRequire } from "node:module"; const require = __thothRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  [key: string]: unknown;
}
interface Lockfile {
  name: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Where a dependency of the lockfile entry at `from` resolves, walking up node_modules folders as Node does. */
function lockLocate(lock: Lockfile, name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!dir) return undefined;
    const at = dir.lastIndexOf("/node_modules/");
    dir = at < 0 ? "" : dir.slice(0, at);
  }
}

/**
 * The part of the repo's lockfile that `roots` need at run time, on every platform: optional dependencies of
 * other platforms stay in (npm ci installs only the ones that match the machine it runs on, here Lambda's).
 */
export function lockfileSubset(
  lock: Lockfile,
  roots: string[],
  overrides: Record<string, string> = {},
): { packageJson: object; lockfile: Lockfile } {
  const keep = new Map<string, LockEntry>();
  const queue: { name: string; from: string; optional: boolean }[] = roots.map((name) => ({
    name,
    from: "",
    optional: false,
  }));
  while (queue.length) {
    const { name, from, optional } = queue.shift()!;
    const key = lockLocate(lock, name, from);
    if (!key) {
      if (optional) continue;
      throw new Error(
        `package-lock.json has no entry for ${name} (needed by ${from || "the runtime"}): run npm install`,
      );
    }
    if (keep.has(key)) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[key]!;
    keep.set(key, entry);
    for (const dep of Object.keys(entry.dependencies ?? {}))
      queue.push({ name: dep, from: key, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ name: dep, from: key, optional: true });
  }
  const dependencies = Object.fromEntries(
    roots.map((name) => [name, lock.packages[`node_modules/${name}`]!.version!]),
  );
  const name = "thoth-runtime-modules";
  const packageJson = {
    name,
    version: "0.0.0",
    private: true,
    dependencies,
    ...(Object.keys(overrides).length ? { overrides } : {}),
    // npm 11 runs only the install scripts a project allows; these build or fetch the native parts.
    allowScripts: { "hnswlib-node": true, sharp: true, protobufjs: true },
  };
  const sorted = [...keep.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    packageJson,
    lockfile: {
      name,
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name, version: "0.0.0", dependencies }, ...Object.fromEntries(sorted) },
    },
  };
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * A tag that changes whenever what a target's image holds changes: sha256 over the path and bytes of every
 * file of the shared parts and the target's own folder. (awsx's default tag hashes only the context path and the
 * stack, so a changed handler would reuse an existing tag.)
 */
export async function contentTag(context: string, target: string, shared: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const part of [...shared, target]) {
    const full = join(context, part);
    if (!existsSync(full)) continue;
    const list = (await stat(full)).isDirectory()
      ? files(full)
      : (async function* () {
          yield full;
        })();
    for await (const file of list) {
      hash.update(relative(context, file).split("\\").join("/")).update("\0");
      hash.update(await readFile(file)).update("\0");
    }
  }
  return `${target}-${hash.digest("hex").slice(0, 16)}`;
}

export interface SizeReport {
  name: string;
  bytes: number;
  deflatedBytes: number;
}

async function measure(dir: string): Promise<{ bytes: number; deflatedBytes: number }> {
  let bytes = 0;
  let deflatedBytes = 0;
  if (!existsSync(dir)) return { bytes, deflatedBytes };
  for await (const file of files(dir)) {
    const data = await readFile(file);
    bytes += data.length;
    deflatedBytes += deflateRawSync(data).length;
  }
  return { bytes, deflatedBytes };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** The parts of the context that both images hold. */
const SHARED_PARTS = ["Dockerfile", "deps", "check-native.mjs", "model"];

export async function packageArtifacts(out = join(REPO, "dist")): Promise<SizeReport[]> {
  const context = join(out, ARTIFACT_DIRS.image);
  const modelSource = join(out, "model");
  // Folders of the layout before images (zip + layer): gone, so nothing stale is mistaken for an artifact.
  for (const stale of ["mcp-server", "layer", "refresh", ARTIFACT_DIRS.image])
    await rm(join(out, stale), { recursive: true, force: true });

  await bundle("functions/mcp-server/handler.ts", join(context, "mcp"));
  await bundle("functions/refresh/handler.ts", join(context, "refresh"));
  // The refresh parses large documents in a worker thread (functions/refresh/document-parser.ts), which loads
  // this file from beside index.mjs.
  await bundle("functions/refresh/parse-worker.ts", join(context, "refresh"), "parse-worker.mjs");
  // A large collection's keyword index is built in a worker thread too (adapters/keyword/threaded-builder.ts).
  await bundle("functions/adapters/keyword/build-worker.ts", join(context, "refresh"), "build-worker.mjs");
  await cp(join(REPO, "functions/Dockerfile"), join(context, "Dockerfile"));

  const rootPackage = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
    overrides?: Record<string, string>;
  };
  const lock = JSON.parse(await readFile(join(REPO, "package-lock.json"), "utf8")) as Lockfile;
  const { packageJson, lockfile } = lockfileSubset(lock, RUNTIME_PACKAGES, rootPackage.overrides);
  await mkdir(join(context, "deps"), { recursive: true });
  await writeFile(join(context, "deps", "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  await writeFile(join(context, "deps", "package-lock.json"), `${JSON.stringify(lockfile, null, 2)}\n`);

  await build({
    entryPoints: [join(REPO, "scripts/native-check.ts")],
    outfile: join(context, "check-native.mjs"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    logLevel: "warning",
  });

  await mkdir(join(context, "model"), { recursive: true });
  if (existsSync(modelSource)) await cp(modelSource, join(context, "model"), { recursive: true });

  // Nothing native is copied from this machine, but whatever the context holds is checked before it ships.
  await checkNativeModules([context]);

  const tags = Object.fromEntries(
    await Promise.all(
      IMAGE_TARGETS.map(async (t) => [t, await contentTag(context, t, SHARED_PARTS)] as const),
    ),
  ) as ImageTags;
  await writeFile(join(context, IMAGE_TAGS_FILE), `${JSON.stringify(tags, null, 2)}\n`);

  return [
    { name: "mcp handler bundle", ...(await measure(join(context, "mcp"))) },
    { name: "refresh handler bundle", ...(await measure(join(context, "refresh"))) },
    { name: "model", ...(await measure(join(context, "model"))) },
    { name: "image context", ...(await measure(context)) },
  ];
}

export function describeSizes(reports: SizeReport[], modelPresent: boolean): string[] {
  const lines = reports.map(
    (r) => `${r.name.padEnd(22)} ${mb(r.bytes).padStart(9)} (≈${mb(r.deflatedBytes).padStart(9)} compressed)`,
  );
  lines.push(
    `images: built from the context by \`pulumi up\` on public.ecr.aws/lambda/nodejs:22 (limit ${mb(LAMBDA_LIMITS.imageBytes)} per image)`,
  );
  if (!modelPresent)
    lines.push(
      "note: no model in dist/model (run `npm run model:fetch` first): these artifacts serve keyword search only",
    );
  return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const reports = await packageArtifacts();
    const modelPresent =
      existsSync(join(REPO, "dist", "model")) && (await stat(join(REPO, "dist", "model"))).isDirectory();
    for (const line of describeSizes(reports, modelPresent)) console.log(line);
    console.log(
      `packaged in ${((performance.now() - started) / 1000).toFixed(1)} s into ${relative(process.cwd(), join(REPO, "dist", ARTIFACT_DIRS.image)) || "dist/image"}/`,
    );
  } catch (error) {
    console.error(`package: ${(error as Error).message}`);
    process.exit(1);
  }
}
