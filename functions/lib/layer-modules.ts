import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * Loads the packages that stay out of the esbuild bundle (native addons, transformers.js): in the function
 * images they sit in `/var/task/node_modules` beside the bundle. CommonJS resolution also searches NODE_PATH;
 * ES module resolution does not, so ESM packages are resolved through `require.resolve` and then imported by
 * file URL.
 */
export const layerRequire = createRequire(import.meta.url);

export async function importLayerModule<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(layerRequire.resolve(name)).href)) as T;
}
