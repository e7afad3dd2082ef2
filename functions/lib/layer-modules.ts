import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * Loads the packages that travel in the Lambda layer (`/opt/nodejs/node_modules`) rather than in the bundle.
 * CommonJS resolution searches NODE_PATH, which Lambda points at the layer; ES module resolution does not, so
 * ESM packages are resolved through `require.resolve` and then imported by file URL.
 */
export const layerRequire = createRequire(import.meta.url);

export async function importLayerModule<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(layerRequire.resolve(name)).href)) as T;
}
