/** Layout of `npm run package`'s output, read by the Pulumi program. */
export const ARTIFACT_DIRS = {
  /** The bundled MCP handler: `index.mjs` (+ source map). */
  mcpCode: "mcp-server",
  /** The Lambda layer: `nodejs/node_modules/…` (native modules, linux-x64) and `model/<model id>/…`. */
  layer: "layer",
  /** The refresh image's Docker build context: `Dockerfile`, `app/`, `model/`. */
  refreshContext: "refresh",
} as const;

/** Lambda's limits that the packager checks against. */
export const LAMBDA_LIMITS = {
  zippedDirectUploadBytes: 50 * 1024 * 1024,
  unzippedWithLayersBytes: 250 * 1024 * 1024,
  imageBytes: 10 * 1024 * 1024 * 1024,
} as const;
