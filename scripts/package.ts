/**
 * `npm run package`: builds one Docker build context per Lambda image into dist/image/<target>/ (see
 * shared/artifacts.ts), so a change to one function leaves the other's context, and image, alone:
 *   Dockerfile          functions/Dockerfile: natives compiled in the Lambda image, then the app copied in
 *   deps/               package.json + package-lock.json of the modules that stay out of the bundles (a
 *                       subset of the repo's lockfile: same versions, same integrity hashes)
 *   check-native.mjs    scripts/native-check.ts, run by the Dockerfile over the modules it compiled
 *   model/              the embedding model from dist/model/ (`npm run model:fetch`)
 *   app/                the function's handler (and workers) bundled with esbuild (index.mjs)
 * Beside the contexts: image-tags.json (a content-hash tag per target, so a changed handler deploys a new
 * image) and sources.json (the fingerprint of the sources, so `pulumi up` refuses a stale package).
 * No native file of this machine is shipped; the ones in the contexts are checked anyway.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";
import { build } from "esbuild";
import {
  ARTIFACT_DIRS,
  IMAGE_APP_DIR,
  IMAGE_TAGS_FILE,
  IMAGE_TARGETS,
  LAMBDA_LIMITS,
  SOURCES_FILE,
  sourcesFingerprint,
  type ImageTags,
  type ImageTarget,
} from "../shared/artifacts.js";
import { checkNativeModules } from "./native-check.js";
import { BASE_IMAGE_TAG, readBaseImage, type BaseImageRef } from "./base-image.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Packages that stay out of the bundles: native addons and transformers.js (which loads onnxruntime-node). */
export const RUNTIME_PACKAGES = ["@xenova/transformers", "hnswlib-node"];
const EXTERNAL = [...RUNTIME_PACKAGES, "onnxruntime-node", "sharp"];

async function bundle(entry: string, outdir: string, file = "index.mjs"): Promise<void> {
  await build({
    entryPoints: [join(REPO, entry)],
    outfile: join(outdir, file),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: true,
    minify: true,
    keepNames: true,
    external: EXTERNAL,
    // ES module builds first: some packages (jsonc-parser) ship a UMD "main" that cannot be bundled.
    mainFields: ["module", "main"],
    legalComments: "none",
    // CommonJS dependencies bundled into an ES module still call require().
    banner: {
      js: 'import { createRequire as __thothRequire } from "node:module"; const require = __thothRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  [key: string]: unknown;
}
interface Lockfile {
  name: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Where a dependency of the lockfile entry at `from` resolves, walking up node_modules folders as Node does. */
function lockLocate(lock: Lockfile, name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!dir) return undefined;
    const at = dir.lastIndexOf("/node_modules/");
    dir = at < 0 ? "" : dir.slice(0, at);
  }
}

/**
 * The part of the repo's lockfile that `roots` need at run time, on every platform: optional dependencies of
 * other platforms stay in (npm ci installs only the ones that match the machine it runs on, here Lambda's).
 */
export function lockfileSubset(
  lock: Lockfile,
  roots: string[],
  overrides: Record<string, string> = {},
): { packageJson: object; lockfile: Lockfile } {
  const keep = new Map<string, LockEntry>();
  const queue: { name: string; from: string; optional: boolean }[] = roots.map((name) => ({
    name,
    from: "",
    optional: false,
  }));
  while (queue.length) {
    const { name, from, optional } = queue.shift()!;
    const key = lockLocate(lock, name, from);
    if (!key) {
      if (optional) continue;
      throw new Error(
        `package-lock.json has no entry for ${name} (needed by ${from || "the runtime"}): run npm install`,
      );
    }
    if (keep.has(key)) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[key]!;
    keep.set(key, entry);
    for (const dep of Object.keys(entry.dependencies ?? {}))
      queue.push({ name: dep, from: key, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ name: dep, from: key, optional: true });
  }
  const dependencies = Object.fromEntries(
    roots.map((name) => [name, lock.packages[`node_modules/${name}`]!.version!]),
  );
  const name = "thoth-runtime-modules";
  const packageJson = {
    name,
    version: "0.0.0",
    private: true,
    dependencies,
    ...(Object.keys(overrides).length ? { overrides } : {}),
    // npm 11 runs only the install scripts a project allows; these build or fetch the native parts.
    allowScripts: { "hnswlib-node": true, sharp: true, protobufjs: true },
  };
  const sorted = [...keep.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    packageJson,
    lockfile: {
      name,
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name, version: "0.0.0", dependencies }, ...Object.fromEntries(sorted) },
    },
  };
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * A tag that changes whenever what a target's image holds changes: sha256 over the path and bytes of every file
 * of its context, so a changed handler is a new tag.
 */
export async function contentTag(context: string, target: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const file of files(context)) {
    hash.update(relative(context, file).split("\\").join("/")).update("\0");
    hash.update(await readFile(file)).update("\0");
  }
  return `${target}-${hash.digest("hex").slice(0, 16)}`;
}

export interface SizeReport {
  name: string;
  bytes: number;
  deflatedBytes: number;
}

async function measure(dir: string): Promise<{ bytes: number; deflatedBytes: number }> {
  let bytes = 0;
  let deflatedBytes = 0;
  if (!existsSync(dir)) return { bytes, deflatedBytes };
  for await (const file of files(dir)) {
    const data = await readFile(file);
    bytes += data.length;
    deflatedBytes += deflateRawSync(data).length;
  }
  return { bytes, deflatedBytes };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Each target's bundled entry points: the handler, and the workers the refresh starts beside it. */
const ENTRIES: Record<ImageTarget, [entry: string, file?: string][]> = {
  mcp: [["functions/mcp-server/handler.ts"]],
  refresh: [
    ["functions/refresh/handler.ts"],
    // Large documents are parsed in a worker thread (functions/refresh/document-parser.ts), which loads this
    // file from beside index.mjs; a large collection's keyword index is built in one too.
    ["functions/refresh/parse-worker.ts", "parse-worker.mjs"],
    ["functions/adapters/keyword/build-worker.ts", "build-worker.mjs"],
  ],
};

/**
 * What every image's context holds besides its app: the Dockerfile, the runtime modules' lockfile, the native
 * check, and the model (dist/model, when `npm run model:fetch` wrote it).
 */
async function writeSharedParts(context: string, modelSource: string): Promise<void> {
  await cp(join(REPO, "functions/Dockerfile"), join(context, "Dockerfile"));
  const rootPackage = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as {
    overrides?: Record<string, string>;
  };
  const lock = JSON.parse(await readFile(join(REPO, "package-lock.json"), "utf8")) as Lockfile;
  const { packageJson, lockfile } = lockfileSubset(lock, RUNTIME_PACKAGES, rootPackage.overrides);
  await mkdir(join(context, "deps"), { recursive: true });
  await writeFile(join(context, "deps", "package.json"), `${JSON.stringify(packageJson, null, 2)}\n`);
  await writeFile(join(context, "deps", "package-lock.json"), `${JSON.stringify(lockfile, null, 2)}\n`);
  await build({
    entryPoints: [join(REPO, "scripts/native-check.ts")],
    outfile: join(context, "check-native.mjs"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    logLevel: "warning",
  });
  await mkdir(join(context, "model"), { recursive: true });
  if (existsSync(modelSource)) await cp(modelSource, join(context, "model"), { recursive: true });
}

export async function packageArtifacts(out = join(REPO, "dist")): Promise<SizeReport[]> {
  const root = join(out, ARTIFACT_DIRS.image);
  const modelSource = join(out, "model");
  // Folders of earlier layouts: gone, so nothing stale is mistaken for an artifact.
  for (const stale of ["mcp-server", "layer", "refresh", ARTIFACT_DIRS.image])
    await rm(join(out, stale), { recursive: true, force: true });

  const tags = {} as ImageTags;
  for (const target of IMAGE_TARGETS) {
    const context = join(root, target);
    for (const [entry, file] of ENTRIES[target]) await bundle(entry, join(context, IMAGE_APP_DIR), file);
    await writeSharedParts(context, modelSource);
    tags[target] = await contentTag(context, target);
  }
  // Nothing native is copied from this machine, but whatever the contexts hold is checked before they ship.
  await checkNativeModules([root]);
  await writeFile(join(root, IMAGE_TAGS_FILE), `${JSON.stringify(tags, null, 2)}\n`);
  await writeFile(
    join(root, SOURCES_FILE),
    `${JSON.stringify({ sha256: sourcesFingerprint(REPO) }, null, 2)}\n`,
  );

  return [
    { name: "mcp handler bundle", ...(await measure(join(root, "mcp", IMAGE_APP_DIR))) },
    { name: "refresh handler bundle", ...(await measure(join(root, "refresh", IMAGE_APP_DIR))) },
    { name: "model", ...(await measure(join(root, "mcp", "model"))) },
    { name: "mcp image context", ...(await measure(join(root, "mcp"))) },
    { name: "refresh image context", ...(await measure(join(root, "refresh"))) },
  ];
}

export function describeSizes(
  reports: SizeReport[],
  modelPresent: boolean,
  baseImage: BaseImageRef = { tagged: BASE_IMAGE_TAG, digest: undefined },
): string[] {
  const lines = reports.map(
    (r) => `${r.name.padEnd(22)} ${mb(r.bytes).padStart(9)} (≈${mb(r.deflatedBytes).padStart(9)} compressed)`,
  );
  lines.push(
    `images: built from the context by \`pulumi up\` on ${baseImage.tagged}${baseImage.digest ? `@${baseImage.digest.slice(0, 19)}…` : ""} (limit ${mb(LAMBDA_LIMITS.imageBytes)} per image)`,
  );
  if (!baseImage.digest)
    lines.push(
      "note: the base image is not pinned by digest, so a rebuild may start from a newer one: run `npm run base-image:pin` (needs public.ecr.aws)",
    );
  if (!modelPresent)
    lines.push(
      "note: no model in dist/model (run `npm run model:fetch` first): these artifacts serve keyword search only",
    );
  return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const reports = await packageArtifacts();
    const modelPresent =
      existsSync(join(REPO, "dist", "model")) && (await stat(join(REPO, "dist", "model"))).isDirectory();
    const baseImage = readBaseImage(await readFile(join(REPO, "functions/Dockerfile"), "utf8"));
    for (const line of describeSizes(reports, modelPresent, baseImage)) console.log(line);
    console.log(
      `packaged in ${((performance.now() - started) / 1000).toFixed(1)} s into ${relative(process.cwd(), join(REPO, "dist", ARTIFACT_DIRS.image)) || "dist/image"}/`,
    );
  } catch (error) {
    console.error(`package: ${(error as Error).message}`);
    process.exit(1);
  }
}
