import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ARTIFACT_DIRS } from "../shared/artifacts.js";

export interface ArtifactPaths {
  mcpCode: string;
  layer: string;
  refreshContext: string;
}

/** Where `npm run package` wrote the artifacts: `$THOTH_ARTIFACTS_DIR`, else `dist/` at the repo root. */
export function artifactPaths(
  root = process.env.THOTH_ARTIFACTS_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), "../dist"),
): ArtifactPaths {
  return {
    mcpCode: join(root, ARTIFACT_DIRS.mcpCode),
    layer: join(root, ARTIFACT_DIRS.layer),
    refreshContext: join(root, ARTIFACT_DIRS.refreshContext),
  };
}

/** Fails early, with the fix, when the program runs before `npm run package`. */
export function requireArtifacts(paths: ArtifactPaths): ArtifactPaths {
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length) {
    throw new Error(
      `missing build artifacts (${missing.join(", ")}): run \`npm run package\` before \`pulumi up\``,
    );
  }
  return paths;
}
