import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NativeModuleError, checkNativeModules, inspectElf } from "../../../scripts/native-check.js";
import { REPO_ROOT, tempDir } from "../../helpers/folders.js";

// A real prebuilt addon from the registry (linux-x64, glibc), present wherever `npm ci` ran on linux-x64.
const ADDON = join(REPO_ROOT, "node_modules/onnxruntime-node/bin/napi-v3/linux/x64/onnxruntime_binding.node");

/** Replaces one same-length string inside the file's bytes (a symbol version name in .dynstr). */
function patched(buf: Buffer, from: string, to: string): Buffer {
  const at = buf.indexOf(Buffer.from(`${from}\0`, "latin1"));
  expect(at, `${from} in the fixture`).toBeGreaterThan(0);
  const copy = Buffer.from(buf);
  copy.write(to, at, "latin1");
  return copy;
}

describe("the native-module check", () => {
  it("accepts a linux-x64 glibc addon within Amazon Linux 2023's symbol versions", async () => {
    const report = inspectElf("ok.node", await readFile(ADDON));
    expect(report.problems).toEqual([]);
    expect(report.versions).toContain("GLIBC_2.14");
    expect(report.versions.some((v) => v.startsWith("GLIBCXX_"))).toBe(true);
  });

  it("refuses an addon built for another architecture", async () => {
    const arm = Buffer.from(await readFile(ADDON));
    arm.writeUInt16LE(183, 18); // e_machine = EM_AARCH64
    expect(inspectElf("arm.node", arm).problems).toEqual([
      "built for AArch64, but the function runs on x86-64",
    ]);
    expect(inspectElf("arm.node", arm, "arm64").problems).toEqual([]);
  });

  it("refuses an addon that needs a newer libstdc++ or glibc than Amazon Linux 2023 has", async () => {
    const buf = await readFile(ADDON);
    const gcc13 = patched(buf, "GLIBCXX_3.4.18", "GLIBCXX_3.4.32");
    expect(inspectElf("gcc13.node", gcc13).problems).toEqual([
      expect.stringMatching(
        /needs GLIBCXX_3\.4\.32, newer than Amazon Linux 2023 provides \(GLIBCXX_3\.4\.29\)/,
      ),
    ]);
    const glibc = patched(buf, "GLIBC_2.14", "GLIBC_2.38");
    expect(inspectElf("glibc.node", glibc).problems).toEqual([expect.stringMatching(/needs GLIBC_2\.38/)]);
    // The limit itself is fine.
    expect(inspectElf("limit.node", patched(buf, "GLIBCXX_3.4.18", "GLIBCXX_3.4.29")).problems).toEqual([]);
  });

  it("names macOS and non-ELF files", () => {
    const macho = Buffer.alloc(64);
    macho.writeUInt32BE(0xcffaedfe, 0);
    expect(inspectElf("mac.node", macho).problems[0]).toMatch(/macOS \(Mach-O\) binary/);
    expect(inspectElf("text.node", Buffer.from("hello")).problems[0]).toMatch(/not an ELF file/);
  });

  it("walks a folder and throws one error naming every bad file", async () => {
    const dir = await tempDir("thoth-native-");
    const buf = await readFile(ADDON);
    await mkdir(join(dir, "good"), { recursive: true });
    await mkdir(join(dir, "bad", "build", "Release"), { recursive: true });
    await writeFile(join(dir, "good", "ok.node"), buf);
    await writeFile(join(dir, "good", "libfine.so.1.2"), buf);
    await writeFile(join(dir, "good", "readme.txt"), "not native");
    await writeFile(
      join(dir, "bad", "build", "Release", "addon.node"),
      patched(buf, "GLIBCXX_3.4.18", "GLIBCXX_3.4.32"),
    );
    await writeFile(join(dir, "bad", "libx.so"), Buffer.from("MZ-windows"));
    await expect(checkNativeModules([join(dir, "good")])).resolves.toHaveLength(2);
    const error = await checkNativeModules([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NativeModuleError);
    expect((error as Error).message).toMatch(/2 native file\(s\) cannot load on Lambda/);
    expect((error as Error).message).toMatch(/addon\.node: needs GLIBCXX_3\.4\.32/);
    expect((error as Error).message).toMatch(/libx\.so: a Windows \(PE\) binary/);
  });
});
