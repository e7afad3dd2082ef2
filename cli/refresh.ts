import { readdirSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { CollectionConfigSchema, type CollectionConfig, type RuntimeEnv } from "../shared/config.js";
import { SAMPLE_PREFIX } from "../shared/names.js";
import type { ObjectStore } from "../functions/core/ports.js";
import { invokeFunction } from "./lambda-invoker.js";
import { listPublishedCollections, loadVersion, readPointer } from "../functions/core/bundle.js";
import { createModelRuntime, type Runtime } from "../functions/composition.js";
import type { RefreshResult } from "../functions/refresh/handler.js";
import { parseCollections, refreshCollections, type CollectionOutcome } from "../functions/refresh/run.js";
import { describeSummary } from "./index-folder.js";
import { interruptible } from "./interrupt.js";
import type { ProgressReporter } from "./progress.js";
import { readStackOutputs, requireOutput, stackAwsEnv } from "./stack-outputs.js";
import { z } from "zod";

/** The sample handbook in the repo: what `sampleHandbook: true` uploads to a stack's bucket. */
const SAMPLE_FOLDER = join(dirname(fileURLToPath(import.meta.url)), "../examples/handbook");

/**
 * What `pulumi up` does for `sampleHandbook: true`, done to the local store: the repo's sample handbook under
 * SAMPLE_PREFIX, where an `s3` source without a bucket reads the stack's own bucket (here the data dir).
 */
export async function uploadSampleHandbook(store: ObjectStore, folder = SAMPLE_FOLDER): Promise<number> {
  const files = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    await store.put(`${SAMPLE_PREFIX}${relative(folder, path).split("\\").join("/")}`, await readFile(path));
  }
  return files.length;
}

/**
 * The collections `thoth refresh` works on: THOTH_COLLECTIONS if set, else those of `Pulumi.<stack>.yaml` with
 * `--config <stack>`, else every local-folder collection already published in the data dir (re-indexed from
 * the folder its manifest names).
 */
export async function localCollections(
  runtime: Runtime,
  configStack?: string,
  repoRoot = process.cwd(),
): Promise<CollectionConfig[]> {
  if (runtime.env.THOTH_COLLECTIONS) return parseCollections(runtime.env.THOTH_COLLECTIONS);
  if (configStack) {
    const path = join(repoRoot, `Pulumi.${configStack}.yaml`);
    const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      const stacks = readdirSync(repoRoot)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s);
      throw new Error(
        `there is no Pulumi.${configStack}.yaml in ${repoRoot}; stack files here: ${stacks.join(", ") || "none"}`,
      );
    });
    const file = parse(text) as {
      config?: Record<string, unknown>;
    };
    const result = z.array(CollectionConfigSchema).min(1).safeParse(file.config?.["thoth:collections"]);
    if (!result.success) throw new Error(`Pulumi.${configStack}.yaml has no valid thoth:collections`);
    // The stack's own bucket is the data dir here: give it the sample the deploy would upload.
    if (file.config?.["thoth:sampleHandbook"] === true) await uploadSampleHandbook(runtime.store);
    return result.data;
  }
  const collections: CollectionConfig[] = [];
  for (const name of await listPublishedCollections(runtime.store)) {
    const pointer = await readPointer(runtime.store, name);
    if (!pointer) continue;
    const { manifest } = await loadVersion(runtime.store, name, pointer);
    const { type, origin, urlTemplate } = manifest.source;
    if (type === "local")
      collections.push({
        name,
        description: "",
        source: { type: "local", path: origin, ...(urlTemplate ? { urlTemplate } : {}) },
      });
  }
  if (!collections.length)
    throw new Error(
      "nothing to refresh: index a folder first (thoth index <folder> -c <name>), or set THOTH_COLLECTIONS",
    );
  return collections;
}

/** `thoth refresh` on this machine: the refresh job's own code, with progress; Ctrl-C stops it cleanly. */
export async function refreshLocally(options: {
  env: RuntimeEnv;
  only: string[];
  configStack?: string;
  progress: ProgressReporter;
  /** Replace hybrid versions with keyword-only ones when no model is set (`--keyword-only`). */
  keywordOnly?: boolean;
}): Promise<CollectionOutcome[]> {
  const { progress } = options;
  if (options.env.THOTH_MODEL_DIR)
    progress.note(`loading the embedding model ${options.env.THOTH_EMBEDDING_MODEL}…`);
  const runtime = await createModelRuntime(options.env);
  const collections = await localCollections(runtime, options.configStack);
  try {
    return await interruptible((signal) =>
      refreshCollections({
        kit: runtime,
        sources: runtime,
        ...(options.keywordOnly ? { allowKeywordOnly: true } : {}),
        collections,
        ...(options.only.length ? { only: options.only } : {}),
        onProgress: (collection, p) => progress.update(collection, p),
        signal,
      }),
    );
  } finally {
    progress.stop();
  }
}

/** `thoth refresh --stack <name>`: invokes the stack's deployed refresh function and returns its result. */
export async function refreshDeployed(stack: string, only: string[]): Promise<CollectionOutcome[]> {
  const outputs = await readStackOutputs(stack);
  const functionName = requireOutput(outputs, "refreshFunctionName", stack);
  const answer = await invokeFunction(
    functionName,
    only.length ? { collections: only } : {},
    stackAwsEnv(outputs),
  );
  if (!answer.ok) throw new Error(answer.error);
  const result = answer.result as RefreshResult | undefined;
  if (!result || !Array.isArray(result.outcomes))
    throw new Error(`${functionName} answered without a run summary`);
  return result.outcomes;
}

export function describeOutcomes(outcomes: CollectionOutcome[], verbose = false): string {
  return outcomes
    .map((o) =>
      o.ok
        ? describeSummary(o.summary, verbose)
        : o.interrupted
          ? `${o.collection}: ${o.error}`
          : `Refresh of ${o.collection} failed: ${o.error} (the previous version keeps serving)`,
    )
    .join("\n");
}
