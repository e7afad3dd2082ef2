import { z } from "zod";
import { CollectionConfigSchema, type CollectionConfig } from "../../shared/config.js";
import { refreshCollection, type RefreshKit } from "./pipeline.js";
import { type RefreshProgress, type RefreshSummary } from "./refresh-types.js";
import { RefreshInterruptedError } from "./stages.js";
import { createSource, type SourceDeps } from "./sources/index.js";

/**
 * What became of one collection in a run. `interrupted`: stopped by Ctrl-C before its version went live, or
 * not started because of it (its live version is unchanged either way).
 */
export type CollectionOutcome =
  | { collection: string; ok: true; summary: RefreshSummary }
  | { collection: string; ok: false; error: string; interrupted?: true };

const CollectionsSchema = z.array(CollectionConfigSchema).min(1);

/** Parses the THOTH_COLLECTIONS JSON the refresh function receives from the stack. */
export function parseCollections(json: string | undefined): CollectionConfig[] {
  if (!json) throw new Error("THOTH_COLLECTIONS is not set: the refresh job has no collection to index");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new Error("THOTH_COLLECTIONS is not valid JSON", { cause });
  }
  const result = CollectionsSchema.safeParse(value);
  if (!result.success) throw new Error(`THOTH_COLLECTIONS is invalid: ${result.error.issues[0]?.message}`);
  return result.data;
}

/**
 * Refreshes the named collections (all when none is named), one after another. One collection failing does
 * not stop the others, and leaves its own live version untouched.
 */
export async function refreshCollections(options: {
  /** The store, cache, model and codecs every run shares. */
  kit: RefreshKit;
  /** Where `s3`, `gitlab` and `sigma` sources find their buckets and secrets (a Runtime has them). */
  sources: SourceDeps;
  /** Replace hybrid versions with keyword-only ones when there is no embedder (`--keyword-only`). */
  allowKeywordOnly?: boolean;
  collections: CollectionConfig[];
  only?: string[];
  keepVersions?: number;
  onProgress?: (collection: string, progress: RefreshProgress) => void;
  /**
   * Stops the run (Ctrl-C): the collection being refreshed stops before its version goes live (or finishes,
   * when it already went live), the rest are not started; each one's outcome says which.
   */
  signal?: AbortSignal;
}): Promise<CollectionOutcome[]> {
  const unknown = (options.only ?? []).filter((name) => !options.collections.some((c) => c.name === name));
  if (unknown.length) {
    throw new Error(
      `unknown collection(s) ${unknown.join(", ")}; configured: ${options.collections.map((c) => c.name).join(", ")}`,
    );
  }
  const selected = options.only?.length
    ? options.collections.filter((c) => options.only!.includes(c.name))
    : options.collections;
  const outcomes: CollectionOutcome[] = [];
  for (const collection of selected) {
    if (options.signal?.aborted) {
      outcomes.push({
        collection: collection.name,
        ok: false,
        error: "not started: interrupted; its live version is unchanged",
        interrupted: true,
      });
      continue;
    }
    try {
      const summary = await refreshCollection(options.kit, {
        collection: collection.name,
        source: await createSource(collection, options.sources),
        ...(options.allowKeywordOnly ? { allowKeywordOnly: true } : {}),
        ...(options.keepVersions ? { keepVersions: options.keepVersions } : {}),
        onProgress: (p) => options.onProgress?.(collection.name, p),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      outcomes.push({ collection: collection.name, ok: true, summary });
    } catch (error) {
      outcomes.push({
        collection: collection.name,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
        ...(error instanceof RefreshInterruptedError ? { interrupted: true as const } : {}),
      });
    }
  }
  return outcomes;
}
