/**
 * The refresh pipeline: read a source, normalise, chunk, embed, build the vector and keyword indexes, and
 * publish a new bundle version. Incremental: a document whose source revision or content hash is unchanged
 * reuses its chunks and vectors from the live version, so a run over an unchanged corpus embeds nothing (and
 * publishes nothing). Bad documents are skipped and reported; any other failure leaves the live version
 * untouched and is recorded as a failed run.
 */
import { randomUUID } from "node:crypto";
import { newVersionId, publishVersion, pruneVersions } from "../core/bundle-versions.js";
import { DEFAULT_CHUNKING, estimateTokens } from "../core/chunking.js";
import { documentFacts } from "../core/documents.js";
import { ModelUnavailableError, ThothError } from "../core/errors.js";
import type {
  DocumentCache,
  Embedder,
  IndexCodecs,
  KeywordIndexBuilder,
  ModelLoad,
  ObjectStore,
  RefreshRun,
  Source,
} from "../core/ports.js";
import { DocumentParser } from "./document-parser.js";
import { loadPrevious, type PreviousVersion } from "./previous-version.js";
import type { RefreshProgress, RefreshSummary } from "./refresh-types.js";
import { EmbeddingCheckpoint } from "./embedding-checkpoint.js";
import {
  RefreshInterruptedError,
  buildBundleFiles,
  collectDocuments,
  embedMissing,
  isUnchanged,
  type Collected,
} from "./stages.js";

export class RefreshError extends ThothError {}

/**
 * What every refresh in a process shares: where bundles and run records go, the model (or why there is none:
 * a `null` embedder builds keyword-only bundles), and the index codecs. A ModelRuntime (composition.ts) is one; a
 * test builds its own. Made once and passed to each run.
 */
export type RefreshKit = {
  store: ObjectStore;
  /** Where run records and document metadata go; optional. */
  cache?: DocumentCache;
} & ModelLoad &
  IndexCodecs;

/** One run: which collection, from which source, and how. */
export interface RefreshJob {
  collection: string;
  source: Source;
  /**
   * Publish a keyword-only version over a live version that has vectors. Off by default: a run without its
   * model (a shell without THOTH_MODEL_DIR) would otherwise silently take semantic search away.
   */
  allowKeywordOnly?: boolean;
  chunking?: { maxTokens: number; overlapTokens: number };
  /** Versions kept after publishing (the live one always survives). Default 5. */
  keepVersions?: number;
  maxDocumentBytes?: number;
  /** Parses documents under a time budget; one is made (and closed) per run when not given. */
  parser?: DocumentParser;
  /** Texts per embedder call; progress is reported after each. Default 64. */
  embedBatchSize?: number;
  onProgress?: (progress: RefreshProgress) => void;
  /**
   * Stops the run (Ctrl-C): before the pointer swap it throws RefreshInterruptedError, publishing nothing, and
   * the embeddings finished so far stay in the collection's checkpoint (embedding-checkpoint.ts) for the next
   * run; after the swap the run finishes its bookkeeping and its summary says it published.
   */
  signal?: AbortSignal;
}

type RefreshOptions = RefreshKit & RefreshJob;

export async function refreshCollection(kit: RefreshKit, job: RefreshJob): Promise<RefreshSummary> {
  const options: RefreshOptions = { ...kit, ...job };
  const run: RefreshRun = {
    collection: options.collection,
    runId: randomUUID(),
    startedAt: new Date().toISOString(),
    status: "running",
  };
  const warnings: string[] = [];
  // The document cache and run log are bookkeeping: when they are down the index is still refreshed.
  const record = async (what: string, write: () => Promise<void> | undefined) => {
    try {
      await write();
    } catch (error) {
      warnings.push(
        `${what} could not be written: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  await record("the run record", () => options.cache?.putRun(run));
  try {
    const summary = await refresh(options, record);
    await record("the run record", () =>
      options.cache?.putRun({
        ...run,
        status: "succeeded",
        finishedAt: new Date().toISOString(),
        version: summary.version,
        published: summary.published,
        counts: {
          documentsSeen: summary.documentsSeen,
          documentsIndexed: summary.documentsIndexed,
          documentsSkipped: summary.documentsSkipped,
          chunks: summary.chunks,
          chunksEmbedded: summary.chunksEmbedded,
        },
        skipped: summary.skipped,
      }),
    );
    summary.warnings = [...new Set([...summary.warnings, ...warnings])];
    return summary;
  } catch (error) {
    await options.cache
      ?.putRun({
        ...run,
        status: "failed",
        finishedAt: new Date().toISOString(),
        error: error instanceof Error ? error.message : String(error),
      })
      .catch(() => undefined);
    throw error;
  }
}

async function refresh(options: RefreshOptions, record: Recorder): Promise<RefreshSummary> {
  // Fed during collect; stopped whatever happens (a no-op once it has given its file).
  const keyword = options.keywordCodec.builder();
  try {
    return await refreshWith(options, record, keyword);
  } finally {
    keyword.abort();
  }
}

async function refreshWith(
  options: RefreshOptions,
  record: Recorder,
  keyword: KeywordIndexBuilder,
): Promise<RefreshSummary> {
  const started = performance.now();
  const { collection, source, embedder } = options;
  const chunking = effectiveChunking(options.chunking ?? DEFAULT_CHUNKING, embedder);
  const progress = options.onProgress ?? (() => {});
  const { etag, previous } = await loadPrevious(options, chunking);
  refuseToDropSemanticSearch(options, previous);
  const parser = options.parser ?? new DocumentParser();
  const collected = await collectDocuments({
    source,
    previous,
    chunking,
    countTokens: embedder ? (t: string) => embedder.countTokens(t) : estimateTokens,
    parser,
    ...(options.maxDocumentBytes ? { maxDocumentBytes: options.maxDocumentBytes } : {}),
    progress,
    ...(options.signal ? { signal: options.signal } : {}),
    keyword,
  }).finally(() => (options.parser ? undefined : parser.close()));
  const { documents, skipped, paths, seen } = collected;
  if (!documents.length) {
    throw new RefreshError(
      `no document could be indexed from ${source.origin} (${seen} seen, ${skipped.length} skipped); the live version of "${collection}" is unchanged`,
    );
  }
  const removed = previous
    ? [...previous.docsByPath.keys()].filter((p) => !paths.has(p) || skipped.some((s) => s.path === p)).length
    : 0;
  const checkpoint = embedder
    ? await EmbeddingCheckpoint.open(options.store, collection, embedder)
    : undefined;
  const embedded = await embedMissing(collected, embedder, {
    batch: options.embedBatchSize ?? 64,
    progress,
    ...(checkpoint ? { checkpoint } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // From here to the pointer swap a stop still publishes nothing; the embeddings are flushed for the next run.
  const stopIfInterrupted = async () => {
    if (!options.signal?.aborted) return;
    await checkpoint?.flush(true).catch(() => undefined);
    throw new RefreshInterruptedError(embedded.embedded, embedded.embedded, checkpoint, "publish");
  };
  await stopIfInterrupted();
  const summary = (outcome: Pick<RefreshSummary, "version" | "published" | "prunedVersions">) =>
    summarize(options, collected, { removed, ...embedded }, outcome, started);
  if (isUnchanged(previous, collected, embedder, embedded.embedded + embedded.resumed, removed)) {
    await clearCheckpoint(options, record);
    return summary({ version: previous!.manifest.version, published: false, prunedVersions: [] });
  }
  const files = await buildBundleFiles(collected, embedder, options, {
    builder: keyword,
    file: options.keywordCodec.file,
  });
  await stopIfInterrupted();
  progress({ phase: "publish" });
  return summary(await publishRun(options, collected, files, { etag, chunking, record, stopIfInterrupted }));
}

type Recorder = (what: string, write: () => Promise<void> | undefined) => Promise<void>;

/** The chunk budget a run uses: the configured one, within the model's input (and an overlap of at most a quarter). */
function effectiveChunking(
  configured: { maxTokens: number; overlapTokens: number },
  embedder: Embedder | null,
) {
  const maxTokens = embedder ? Math.min(configured.maxTokens, embedder.maxTokens - 32) : configured.maxTokens;
  return { maxTokens, overlapTokens: Math.min(configured.overlapTokens, Math.floor(maxTokens / 4)) };
}

/** A run without a model never replaces a hybrid version with a keyword-only one, unless asked to. */
function refuseToDropSemanticSearch(options: RefreshOptions, previous: PreviousVersion | undefined): void {
  if (options.embedder || !previous?.manifest.model || options.allowKeywordOnly) return;
  throw new ModelUnavailableError(
    `${options.collection} is served with semantic search (built with ${previous.manifest.model.id}), but this run has no ` +
      `embedding model${options.embedderUnavailableReason ? ` (${options.embedderUnavailableReason})` : ""}, so it ` +
      `would publish a keyword-only version. Set THOTH_MODEL_DIR (and THOTH_EMBEDDING_MODEL) to that model, or ` +
      `pass --keyword-only to replace it with keyword search anyway`,
  );
}

/** Once the run's vectors are in a published version (or it had nothing to publish), the checkpoint is spent. */
function clearCheckpoint(options: RefreshOptions, record: Recorder): Promise<void> {
  return record("the embedding checkpoint", () =>
    EmbeddingCheckpoint.clear(options.store, options.collection),
  );
}

/**
 * The publish step: the new version goes live (upload, verify, manifest, pointer swap; a stop before the swap
 * publishes nothing), then the bookkeeping that follows it whatever happens (document cache, checkpoint,
 * pruning old versions).
 */
async function publishRun(
  options: RefreshOptions,
  collected: Collected,
  files: Awaited<ReturnType<typeof buildBundleFiles>>,
  run: {
    etag: string | null;
    chunking: { maxTokens: number; overlapTokens: number };
    record: Recorder;
    stopIfInterrupted: () => Promise<void>;
  },
): Promise<Pick<RefreshSummary, "version" | "published" | "prunedVersions">> {
  const { collection, source, embedder } = options;
  const { documents, chunks, skipped } = collected;
  const version = newVersionId();
  const cursor = await source.cursor();
  await publishVersion(
    options.store,
    collection,
    version,
    files,
    {
      builtAt: new Date().toISOString(),
      model: embedder
        ? {
            id: embedder.modelId,
            dimensions: embedder.dimensions,
            space: "cosine",
            index: options.vectorCodec.params,
          }
        : null,
      source: {
        type: source.type,
        origin: source.origin,
        ...(cursor ? { cursor } : {}),
        ...(source.urlTemplate ? { urlTemplate: source.urlTemplate } : {}),
      },
      chunking: run.chunking,
      counts: { documents: documents.length, chunks: chunks.length, skipped: skipped.length },
    },
    run.etag,
    options.signal,
  ).catch(async (error: unknown) => {
    if (options.signal?.aborted) await run.stopIfInterrupted();
    throw error;
  });
  // Live now: a stop from here on lets the run finish its bookkeeping, and the summary says it published.
  await run.record("the document cache", () =>
    options.cache?.replaceDocuments(
      collection,
      documents.map((d) => ({
        ...documentFacts(collection, d),
        ...(d.metadata ? { metadata: d.metadata } : {}),
      })),
    ),
  );
  await clearCheckpoint(options, run.record);
  const prunedVersions = await pruneVersions(options.store, collection, options.keepVersions ?? 5);
  return { version, published: true, prunedVersions };
}

/** The run's summary: what it saw, indexed, reused, skipped, removed and embedded, and what went live. */
function summarize(
  options: RefreshOptions,
  collected: Collected,
  counts: { removed: number; embedded: number; resumed: number },
  outcome: Pick<RefreshSummary, "version" | "published" | "prunedVersions">,
  started: number,
): RefreshSummary {
  const { documents, chunks, skipped, seen, reused } = collected;
  return {
    collection: options.collection,
    model: options.embedder?.modelId ?? null,
    documentsSeen: seen,
    documentsIndexed: documents.length,
    documentsReused: reused,
    documentsSkipped: skipped.length,
    documentsRemoved: counts.removed,
    skipped,
    chunks: chunks.length,
    chunksEmbedded: counts.embedded,
    chunksResumed: counts.resumed,
    ...outcome,
    warnings: [],
    durationMs: Math.round(performance.now() - started),
  };
}
