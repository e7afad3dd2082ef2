import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SAMPLE_HANDBOOK = join(REPO_ROOT, "examples/handbook");

export async function tempDir(prefix = "thoth-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Creates a folder with the given files (path → content) and returns it. */
export async function folderWith(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await tempDir("thoth-src-");
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}
