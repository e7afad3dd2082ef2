import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ARTIFACT_DIRS, IMAGE_TAGS_FILE, IMAGE_TARGETS, type ImageTags } from "../shared/artifacts.js";

export interface ArtifactPaths {
  /** The Docker build context of both function images (`npm run package`). */
  imageContext: string;
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

/** Reads the packaged context; fails early, with the fix, when the program runs before `npm run package`. */
export function requireArtifacts(root = artifactsRoot()): ArtifactPaths {
  const imageContext = join(root, ARTIFACT_DIRS.image);
  const tagsFile = join(imageContext, IMAGE_TAGS_FILE);
  if (!existsSync(join(imageContext, "Dockerfile")) || !existsSync(tagsFile)) {
    throw new Error(
      `missing build artifacts (${imageContext}): run \`npm run package\` before \`pulumi up\``,
    );
  }
  const tags = JSON.parse(readFileSync(tagsFile, "utf8")) as Partial<ImageTags>;
  for (const target of IMAGE_TARGETS) {
    if (!/^[a-z]+-[0-9a-f]{16}$/.test(tags[target] ?? "")) {
      throw new Error(`${tagsFile} has no content tag for "${target}": run \`npm run package\` again`);
    }
  }
  return { imageContext, imageTags: tags as ImageTags, models: packagedModels(join(imageContext, "model")) };
}
