/**
 * `npm run package`: builds the deployable artifacts into dist/ (see shared/artifacts.ts):
 *   dist/mcp-server/   the MCP handler bundled with esbuild (index.mjs)
 *   dist/layer/        nodejs/node_modules with the native and heavy modules (linux-x64 only, pruned) + model/
 *   dist/refresh/      the refresh image's Docker build context: Dockerfile, app/, model/
 * The model comes from dist/model/ (`npm run model:fetch`); without it the artifacts serve keyword search.
 */
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";
import { build } from "esbuild";
import { ARTIFACT_DIRS, LAMBDA_LIMITS } from "../shared/artifacts.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Packages that stay out of the bundle: native addons and transformers.js (which loads onnxruntime-node). */
export const LAYER_PACKAGES = ["@xenova/transformers", "hnswlib-node"];
const EXTERNAL = [...LAYER_PACKAGES, "onnxruntime-node", "sharp"];

async function bundle(entry: string, outdir: string): Promise<void> {
  await build({
    entryPoints: [join(REPO, entry)],
    outfile: join(outdir, "index.mjs"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: true,
    minify: true,
    keepNames: true,
    external: EXTERNAL,
    legalComments: "none",
    // CommonJS dependencies bundled into an ES module still call require().
    banner: {
      js: 'import { createRequire as __thothRequire } from "node:module"; const require = __thothRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
}

/** Where `name` resolves from `fromDir`, walking up node_modules folders as Node does. */
function locate(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The installed packages `roots` need at run time (dependencies and installed optional dependencies). */
export async function dependencyClosure(roots: string[], fromDir = REPO): Promise<Map<string, string>> {
  const found = new Map<string, string>(); // relative path under node_modules → absolute dir
  const queue = roots.map((name) => ({ name, from: fromDir, optional: false }));
  while (queue.length) {
    const { name, from, optional } = queue.shift()!;
    const dir = locate(name, from);
    if (!dir) {
      if (optional) continue;
      throw new Error(
        `package ${name} (needed from ${relative(REPO, from) || "."}) is not installed: run npm ci`,
      );
    }
    const key = relative(join(REPO, "node_modules"), dir);
    if (found.has(key)) continue;
    found.set(key, dir);
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {}))
      queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {}))
      queue.push({ name: dep, from: dir, optional: true });
  }
  return found;
}

/** Paths (relative to node_modules) that Lambda on linux-x64 never loads. */
const PRUNE: RegExp[] = [
  /^onnxruntime-node\/bin\/napi-v3\/(darwin|win32)(\/|$)/,
  /^onnxruntime-node\/bin\/napi-v3\/linux\/arm64(\/|$)/,
  /^@xenova\/transformers\/(dist|types)(\/|$)/,
  /^onnxruntime-web\/dist\/(?!ort-web\.node\.js$)/,
  /^onnxruntime-web\/lib(\/|$)/,
  /^hnswlib-node\/(src|build\/(?!Release(\/addon\.node)?$))/,
  /^protobufjs\/(cli|dist|scripts)(\/|$)/,
  /^@img\/sharp-(?!linux-x64|libvips-linux-x64)/,
  /(^|\/)(test|tests|__tests__|docs|example|examples|\.github)(\/|$)/,
  /\.(map|md|markdown|ts|tsbuildinfo|gyp|cc|cpp|h|hpp)$/i,
];

function pruned(path: string): boolean {
  if (/\.d\.ts$/.test(path) || /(^|\/)LICENSE/i.test(path)) return /\.d\.ts$/.test(path);
  return PRUNE.some((re) => re.test(path));
}

async function copyPruned(closure: Map<string, string>, target: string): Promise<void> {
  for (const [key, dir] of closure) {
    await cp(dir, join(target, key), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = relative(join(REPO, "node_modules"), src).split("\\").join("/");
        // Nested node_modules are copied as closure entries of their own.
        if (rel !== key && rel.startsWith(`${key}/node_modules`)) return false;
        return !pruned(rel);
      },
    });
  }
}

export interface SizeReport {
  name: string;
  bytes: number;
  deflatedBytes: number;
}

async function measure(dir: string): Promise<{ bytes: number; deflatedBytes: number }> {
  let bytes = 0;
  let deflatedBytes = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const data = await readFile(full);
        bytes += data.length;
        // A zip stores each file deflated plus ~100 bytes of headers.
        deflatedBytes += deflateRawSync(data).length + 100;
      }
    }
  };
  if (existsSync(dir)) await walk(dir);
  return { bytes, deflatedBytes };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export async function packageArtifacts(out = join(REPO, "dist")): Promise<SizeReport[]> {
  const mcpDir = join(out, ARTIFACT_DIRS.mcpCode);
  const layerDir = join(out, ARTIFACT_DIRS.layer);
  const refreshDir = join(out, ARTIFACT_DIRS.refreshContext);
  const modelSource = join(out, "model");
  for (const dir of [mcpDir, layerDir, refreshDir]) await rm(dir, { recursive: true, force: true });

  await bundle("functions/mcp-server/handler.ts", mcpDir);
  await bundle("functions/refresh/handler.ts", join(refreshDir, "app"));

  const closure = await dependencyClosure(LAYER_PACKAGES);
  await copyPruned(closure, join(layerDir, "nodejs", "node_modules"));
  await copyPruned(closure, join(refreshDir, "app", "node_modules"));
  await writeFile(
    join(refreshDir, "app", "package.json"),
    JSON.stringify({ type: "module", private: true }, null, 2),
  );
  await cp(join(REPO, "functions/refresh/Dockerfile"), join(refreshDir, "Dockerfile"));

  for (const target of [join(layerDir, "model"), join(refreshDir, "model")]) {
    await mkdir(target, { recursive: true });
    if (existsSync(modelSource)) await cp(modelSource, target, { recursive: true });
  }

  const reports: SizeReport[] = [];
  for (const [name, dir] of [
    ["mcp function code", mcpDir],
    ["mcp layer", layerDir],
    ["refresh image context", refreshDir],
  ] as const) {
    reports.push({ name, ...(await measure(dir)) });
  }
  return reports;
}

export function describeSizes(reports: SizeReport[], modelPresent: boolean): string[] {
  const [code, layer, image] = reports as [SizeReport, SizeReport, SizeReport];
  const unzipped = code.bytes + layer.bytes;
  const lines = reports.map(
    (r) =>
      `${r.name.padEnd(22)} ${mb(r.bytes).padStart(9)} unzipped, ≈${mb(r.deflatedBytes).padStart(9)} zipped`,
  );
  lines.push(
    `function + layer unzipped: ${mb(unzipped)} of Lambda's ${mb(LAMBDA_LIMITS.unzippedWithLayersBytes)} limit ${unzipped <= LAMBDA_LIMITS.unzippedWithLayersBytes ? "(ok)" : "(TOO LARGE)"}`,
    `function zip: ≈${mb(code.deflatedBytes)} of ${mb(LAMBDA_LIMITS.zippedDirectUploadBytes)} for direct upload ${code.deflatedBytes <= LAMBDA_LIMITS.zippedDirectUploadBytes ? "(ok)" : "(TOO LARGE)"}`,
    `layer zip: ≈${mb(layer.deflatedBytes)} of ${mb(LAMBDA_LIMITS.zippedDirectUploadBytes)} for direct upload ${layer.deflatedBytes <= LAMBDA_LIMITS.zippedDirectUploadBytes ? "(ok)" : "(over: Pulumi uploads it through S3, which allows it)"}`,
    `image context: ${mb(image.bytes)} (limit ${mb(LAMBDA_LIMITS.imageBytes)} per image)`,
  );
  if (!modelPresent)
    lines.push(
      "note: no model in dist/model (run `npm run model:fetch` first): these artifacts serve keyword search only",
    );
  return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const reports = await packageArtifacts();
  const modelPresent =
    existsSync(join(REPO, "dist", "model")) && (await stat(join(REPO, "dist", "model"))).isDirectory();
  for (const line of describeSizes(reports, modelPresent)) console.log(line);
  console.log(
    `packaged in ${((performance.now() - started) / 1000).toFixed(1)} s into ${relative(process.cwd(), join(REPO, "dist")) || "dist"}/`,
  );
}
