import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ARTIFACT_DIRS,
  IMAGE_TAGS_FILE,
  IMAGE_TARGETS,
  SOURCES_FILE,
  sourcesFingerprint,
  type ImageTags,
  type ImageTarget,
} from "../shared/artifacts.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface ArtifactPaths {
  /**
   * Each function image's own Docker build context (`npm run package`), relative to the directory `pulumi up`
   * runs in: an absolute path would differ between a laptop and CI and rebuild both images.
   */
  imageContexts: Record<ImageTarget, string>;
  /** A content-hash tag per image target, from the context's `image-tags.json`. */
  imageTags: ImageTags;
  /** The model ids baked into the images (`model/<org>/<name>/config.json`); empty for keyword-only images. */
  models: string[];
}

/** Model ids under a transformers.js model folder: every `<org>/<name>` that holds a config.json. */
export function packagedModels(modelDir: string): string[] {
  if (!existsSync(modelDir)) return [];
  return readdirSync(modelDir, { recursive: true, encoding: "utf8" })
    .map((path) => path.split("\\").join("/"))
    .filter((path) => /^[^/]+\/[^/]+\/config\.json$/.test(path))
    .map((path) => path.slice(0, -"/config.json".length))
    .sort();
}

/** Where `npm run package` wrote the artifacts: `$THOTH_ARTIFACTS_DIR`, else `dist/` at the repo root. */
export function artifactsRoot(
  root = process.env.THOTH_ARTIFACTS_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), "../dist"),
): string {
  return root;
}

/**
 * Reads the packaged contexts; fails early, with the fix, when the program runs before `npm run package`, or
 * after the sources changed without packaging again (which would deploy old code silently).
 */
export function requireArtifacts(root = artifactsRoot(), repoRoot = REPO_ROOT): ArtifactPaths {
  const images = join(root, ARTIFACT_DIRS.image);
  const tagsFile = join(images, IMAGE_TAGS_FILE);
  const contexts = Object.fromEntries(IMAGE_TARGETS.map((t) => [t, join(images, t)])) as Record<
    ImageTarget,
    string
  >;
  if (!existsSync(tagsFile) || IMAGE_TARGETS.some((t) => !existsSync(join(contexts[t], "Dockerfile")))) {
    throw new Error(`missing build artifacts (${images}): run \`npm run package\` before \`pulumi up\``);
  }
  const tags = JSON.parse(readFileSync(tagsFile, "utf8")) as Partial<ImageTags>;
  for (const target of IMAGE_TARGETS) {
    if (!/^[a-z]+-[0-9a-f]{16}$/.test(tags[target] ?? "")) {
      throw new Error(`${tagsFile} has no content tag for "${target}": run \`npm run package\` again`);
    }
  }
  const sourcesFile = join(images, SOURCES_FILE);
  const packaged = existsSync(sourcesFile)
    ? (JSON.parse(readFileSync(sourcesFile, "utf8")) as { sha256?: string }).sha256
    : undefined;
  if (packaged !== sourcesFingerprint(repoRoot)) {
    throw new Error(
      `${images} was packaged from other sources than these (functions/, shared/, package.json or package-lock.json changed since): run \`npm run package\` again before \`pulumi up\`, or it would deploy the old code`,
    );
  }
  const cwd = process.cwd();
  return {
    imageContexts: Object.fromEntries(
      IMAGE_TARGETS.map((t) => [t, relative(cwd, contexts[t]).split("\\").join("/") || "."]),
    ) as Record<ImageTarget, string>,
    imageTags: tags as ImageTags,
    models: packagedModels(join(contexts.mcp, "model")),
  };
}
