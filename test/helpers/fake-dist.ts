/** A dist/ as `npm run package` leaves it, for the Pulumi program's tests (no bundles: no image is built). */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sourcesFingerprint } from "../../shared/artifacts.js";
import { REPO_ROOT, tempDir } from "./folders.js";

export const FAKE_DIST_TAGS = { mcp: "mcp-0123456789abcdef", refresh: "refresh-fedcba9876543210" };

/** Contexts with a Dockerfile, the tags, and the fingerprint of `repo`'s sources; returns the dist root. */
export async function fakeDist(
  repo = REPO_ROOT,
  tags: Record<string, string> = FAKE_DIST_TAGS,
): Promise<string> {
  const root = await tempDir();
  for (const target of ["mcp", "refresh"]) {
    await mkdir(join(root, "image", target), { recursive: true });
    await writeFile(join(root, "image", target, "Dockerfile"), "FROM public.ecr.aws/lambda/nodejs:22\n");
  }
  await writeFile(join(root, "image", "image-tags.json"), JSON.stringify(tags));
  await writeFile(join(root, "image", "sources.json"), JSON.stringify({ sha256: sourcesFingerprint(repo) }));
  return root;
}
