/** Layout of `npm run package`'s output, read by the Pulumi program. */
export const ARTIFACT_DIRS = {
  /** The Docker build context of both function images: `Dockerfile`, `deps/`, `mcp/`, `refresh/`, `model/`. */
  image: "image",
} as const;

/** The Dockerfile's targets: one image per function. */
export const IMAGE_TARGETS = ["mcp", "refresh"] as const;
export type ImageTarget = (typeof IMAGE_TARGETS)[number];
/** `image-tags.json` in the context: a content-hash tag per target, written by `npm run package`. */
export type ImageTags = Record<ImageTarget, string>;
export const IMAGE_TAGS_FILE = "image-tags.json";

/** Lambda's limits that the packager checks against. */
export const LAMBDA_LIMITS = {
  imageBytes: 10 * 1024 * 1024 * 1024,
  /** All environment variables of one function together. */
  environmentBytes: 4 * 1024,
} as const;
