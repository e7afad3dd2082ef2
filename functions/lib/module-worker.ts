/**
 * Starts one of the functions' worker threads: `<name>.mjs` beside the bundle when packaged (scripts/package.ts
 * bundles each next to index.mjs), or `<name>.ts` beside the calling module when running from source, through
 * tsx's loader (registered in the worker itself, as bin/thoth.js does; loader flags are not passed on to
 * workers).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

interface TsxPackage {
  exports: { "./esm/api": { import: { default: string } } };
}

/** `from`: the caller's `import.meta.url` (the worker's source file sits beside it). */
export function startModuleWorker(from: string, name: string, options: WorkerOptions = {}): Worker {
  if (!from.endsWith(".ts")) return new Worker(new URL(`./${name}.mjs`, from), options);
  // The ES module entry of tsx/esm/api, from tsx's own exports map (require.resolve would give the CommonJS one).
  const manifest = createRequire(from).resolve("tsx/package.json");
  const exportsMap = (JSON.parse(readFileSync(manifest, "utf8")) as TsxPackage).exports["./esm/api"].import
    .default;
  const api = pathToFileURL(join(dirname(manifest), exportsMap)).href;
  const entry = new URL(`./${name}.ts`, from).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
