/** Layout of `npm run package`'s output, read by the Pulumi program. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export const ARTIFACT_DIRS = {
  /**
   * The images: `<target>/` is the whole Docker build context of one function's image (`Dockerfile`, `deps/`,
   * `check-native.mjs`, `model/`, and `app/`, its bundled handler), so a change to one function leaves the
   * other's context byte-identical; `image-tags.json` and `sources.json` sit beside them.
   */
  image: "image",
} as const;

/** One image per function; each is the Dockerfile's last stage built in its own context. */
export const IMAGE_TARGETS = ["mcp", "refresh"] as const;
export type ImageTarget = (typeof IMAGE_TARGETS)[number];
/** The folder of a context that holds the function's own files (copied to /var/task). */
export const IMAGE_APP_DIR = "app";
/** `image-tags.json`: a content-hash tag per target, written by `npm run package`. */
export type ImageTags = Record<ImageTarget, string>;
export const IMAGE_TAGS_FILE = "image-tags.json";
/** `sources.json`: the fingerprint of the sources the contexts were packaged from. */
export const SOURCES_FILE = "sources.json";
/** What the packaged handlers and modules are made from: a change to any of them needs `npm run package`. */
export const PACKAGED_SOURCES = ["functions", "shared", "package.json", "package-lock.json"] as const;

/** sha256 over the path and bytes of every file of PACKAGED_SOURCES under `repo`, in a fixed order. */
export function sourcesFingerprint(repo: string): string {
  const hash = createHash("sha256");
  const add = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    hash.update(relative(repo, path).split("\\").join("/")).update("\0");
    hash.update(readFileSync(path)).update("\0");
  };
  for (const part of PACKAGED_SOURCES) add(join(repo, part));
  return hash.digest("hex");
}

/** Lambda's limits that the packager checks against. */
export const LAMBDA_LIMITS = {
  imageBytes: 10 * 1024 * 1024 * 1024,
  /** All environment variables of one function together. */
  environmentBytes: 4 * 1024,
} as const;
