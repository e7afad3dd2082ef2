/**
 * The refresh pipeline: read a source, normalise, chunk, embed, build the vector and keyword indexes, and
 * publish a new bundle version. Incremental: a document whose source revision or content hash is unchanged
 * reuses its chunks and vectors from the live version, so a run over an unchanged corpus embeds nothing (and
 * publishes nothing). Bad documents are skipped and reported; any other failure leaves the live version
 * untouched and is recorded as a failed run.
 */
import { randomUUID } from "node:crypto";
import {
  BUNDLE_FILES,
  bundleKeys,
  newVersionId,
  publishVersion,
  pruneVersions,
  readPointerTagged,
  sha256,
  type BundleFileName,
  type ChunkRecord,
  type DocumentRecord,
  type Manifest,
} from "../core/bundle.js";
import { DEFAULT_CHUNKING, chunkSections, estimateTokens } from "../core/chunking.js";
import { ModelUnavailableError, ThothError } from "../core/errors.js";
import { openVersion } from "../core/version-reader.js";
import { documentFacts } from "../core/documents.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, type NormalizeResult } from "../core/normalize.js";
import { DocumentParser, ParseBudgetError } from "./document-parser.js";
import type { ParseResult } from "./parse.js";
import type {
  DocumentCache,
  Embedder,
  KeywordIndexCodec,
  ObjectStore,
  RefreshRun,
  Source,
  VectorIndex,
  VectorIndexCodec,
} from "../core/ports.js";

export class RefreshError extends ThothError {}

export type RefreshProgress =
  | { phase: "read"; documents: number }
  | { phase: "embed"; done: number; total: number }
  | { phase: "publish" };

export interface RefreshOptions {
  collection: string;
  source: Source;
  store: ObjectStore;
  /** `null` builds a keyword-only bundle. */
  embedder: Embedder | null;
  /** Why there is no embedder (for the refusal below). */
  embedderUnavailableReason?: string;
  /**
   * Publish a keyword-only version over a live version that has vectors. Off by default: a run without its
   * model (a shell without THOTH_MODEL_DIR) would otherwise silently take semantic search away.
   */
  allowKeywordOnly?: boolean;
  vectorCodec: VectorIndexCodec;
  keywordCodec: KeywordIndexCodec;
  /** Where run records and document metadata go; optional. */
  cache?: DocumentCache;
  chunking?: { maxTokens: number; overlapTokens: number };
  /** Versions kept after publishing (the live one always survives). Default 5. */
  keepVersions?: number;
  maxDocumentBytes?: number;
  /** Parses documents under a time budget; one is made (and closed) per run when not given. */
  parser?: DocumentParser;
  /** Texts per embedder call; progress is reported after each. Default 64. */
  embedBatchSize?: number;
  onProgress?: (progress: RefreshProgress) => void;
}

export interface RefreshSummary {
  collection: string;
  /** The live version after the run: the new one, or the previous one when nothing changed. */
  version: string;
  /** False when the corpus was unchanged and no new version was needed. */
  published: boolean;
  model: string | null;
  documentsSeen: number;
  documentsIndexed: number;
  documentsReused: number;
  documentsSkipped: number;
  documentsRemoved: number;
  skipped: { path: string; reason: string }[];
  chunks: number;
  chunksEmbedded: number;
  prunedVersions: string[];
  /** What went wrong without failing the run (e.g. the run record could not be written). */
  warnings: string[];
  durationMs: number;
}

/** A document's id: stable across runs for the same path, safe in URIs. */
export function documentId(path: string): string {
  return sha256(path).slice(0, 16);
}

/** What the embedder sees of a chunk: the document title and heading path give it context. */
export function embeddingText(title: string, chunk: Pick<ChunkRecord, "headingPath" | "text">): string {
  const context = [title, ...chunk.headingPath.filter((h) => h !== title)].join(" › ");
  return `${context}\n\n${chunk.text}`;
}

interface PreviousVersion {
  manifest: Manifest;
  docsByPath: Map<string, DocumentRecord>;
  chunks: ChunkRecord[];
  /** Present when its vectors can be reused: same model, same dimensions. */
  vectors?: VectorIndex;
  /** Chunks can be reused only when they were cut with the same budget. */
  sameChunking: boolean;
}

async function loadPrevious(
  options: RefreshOptions,
  chunking: { maxTokens: number; overlapTokens: number },
): Promise<{ etag: string | null; previous?: PreviousVersion }> {
  const tagged = await readPointerTagged(options.store, options.collection).catch(() => undefined);
  if (!tagged)
    return {
      etag: (await options.store.read(bundleKeys.pointer(options.collection)))?.etag ?? null,
    };
  try {
    // Vectors come back only when they were embedded with this run's model (and hnswlib loads here).
    const { manifest, documents, chunks, vectors } = await openVersion(
      options.store,
      options.collection,
      tagged.pointer,
      { embedder: options.embedder, vectorCodec: options.vectorCodec },
    );
    return {
      etag: tagged.etag,
      previous: {
        manifest,
        docsByPath: new Map(documents.map((d) => [d.path, d])),
        chunks,
        ...(vectors ? { vectors } : {}),
        sameChunking:
          manifest.chunking.maxTokens === chunking.maxTokens &&
          manifest.chunking.overlapTokens === chunking.overlapTokens,
      },
    };
  } catch {
    // A corrupt live version cannot be reused; this run rebuilds everything (and still publishes with CAS).
    return { etag: tagged.etag };
  }
}

export async function refreshCollection(options: RefreshOptions): Promise<RefreshSummary> {
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

async function refresh(
  options: RefreshOptions,
  record: (what: string, write: () => Promise<void> | undefined) => Promise<void>,
): Promise<RefreshSummary> {
  const started = performance.now();
  const { collection, source, embedder } = options;
  const configured = options.chunking ?? DEFAULT_CHUNKING;
  const maxTokens = embedder ? Math.min(configured.maxTokens, embedder.maxTokens - 32) : configured.maxTokens;
  const chunking = {
    maxTokens,
    overlapTokens: Math.min(configured.overlapTokens, Math.floor(maxTokens / 4)),
  };
  const countTokens = embedder ? (t: string) => embedder.countTokens(t) : estimateTokens;
  const progress = options.onProgress ?? (() => {});
  const { etag, previous } = await loadPrevious(options, chunking);
  if (!embedder && previous?.manifest.model && !options.allowKeywordOnly) {
    throw new ModelUnavailableError(
      `${collection} is served with semantic search (built with ${previous.manifest.model.id}), but this run has no ` +
        `embedding model${options.embedderUnavailableReason ? ` (${options.embedderUnavailableReason})` : ""}, so it ` +
        `would publish a keyword-only version. Set THOTH_MODEL_DIR (and THOTH_EMBEDDING_MODEL) to that model, or ` +
        `pass --keyword-only to replace it with keyword search anyway`,
    );
  }
  const known = new Map(
    [...(previous?.docsByPath.values() ?? [])].flatMap((d) =>
      d.revision ? [[d.path, d.revision] as const] : [],
    ),
  );

  const documents: DocumentRecord[] = [];
  const chunks: ChunkRecord[] = [];
  /** Aligned with `chunks`; undefined where the chunk still needs embedding. */
  const vectors: (Float32Array | undefined)[] = [];
  const skipped: RefreshSummary["skipped"] = [];
  const paths = new Set<string>();
  let seen = 0;
  let reused = 0;

  const reuse = (prev: DocumentRecord, changes: Partial<DocumentRecord> = {}) => {
    const prevChunks = previous!.chunks.slice(prev.firstChunk, prev.firstChunk + prev.chunkCount);
    documents.push({ ...prev, ...changes, firstChunk: chunks.length, chunkCount: prevChunks.length });
    prevChunks.forEach((chunk, i) => {
      chunks.push(chunk);
      vectors.push(previous!.vectors?.vector(prev.firstChunk + i));
    });
    reused++;
  };

  const parser = options.parser ?? new DocumentParser();
  try {
    for await (const raw of source.documents(known)) {
      seen++;
      progress({ phase: "read", documents: seen });
      if (paths.has(raw.path)) {
        skipped.push({ path: raw.path, reason: "duplicate path" });
        continue;
      }
      paths.add(raw.path);
      const prev = previous?.docsByPath.get(raw.path);
      if ("unchanged" in raw) {
        if (prev && previous?.sameChunking) reuse(prev);
        else
          skipped.push({
            path: raw.path,
            reason: "reported unchanged, but the previous version cannot be reused",
          });
        continue;
      }
      if (raw.skip) {
        skipped.push({ path: raw.path, reason: raw.skip });
        continue;
      }
      let normalized: NormalizeResult;
      try {
        const parsed = await parser.run({
          kind: "normalize",
          doc: raw,
          maxBytes: options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
        });
        normalized = (parsed as Extract<ParseResult, { kind: "normalize" }>).result;
      } catch (error) {
        if (!(error instanceof ParseBudgetError)) throw error;
        skipped.push({ path: raw.path, reason: error.message });
        continue;
      }
      if (!normalized.ok) {
        skipped.push({ path: raw.path, reason: normalized.reason });
        continue;
      }
      const contentHash = sha256(normalized.document.text);
      const fields = {
        title: normalized.document.title,
        ...(raw.url ? { url: raw.url } : {}),
        ...(raw.updatedAt ? { updatedAt: raw.updatedAt } : {}),
        ...(raw.revision ? { revision: raw.revision } : {}),
        ...(raw.metadata ? { metadata: raw.metadata } : {}),
      };
      if (prev && previous?.sameChunking && prev.contentHash === contentHash && prev.title === fields.title) {
        const { url: _u, updatedAt: _t, revision: _r, metadata: _m, ...kept } = prev;
        reuse({ ...kept, ...fields } as DocumentRecord);
        continue;
      }
      const id = documentId(raw.path);
      // One document the parser cannot take (nesting that overflows its stack, a shape that takes longer than
      // the budget) is skipped and reported, not fatal.
      let sections: ParseResult;
      try {
        sections = await parser.run({ kind: "sections", markdown: normalized.document.text });
      } catch (error) {
        if (!(error instanceof ParseBudgetError)) throw error;
        skipped.push({ path: raw.path, reason: `cannot be chunked (${error.message})` });
        continue;
      }
      if (sections.kind !== "sections" || !sections.ok) {
        const reason = sections.kind === "sections" && !sections.ok ? sections.reason : "no sections";
        skipped.push({ path: raw.path, reason: `cannot be chunked (${reason})` });
        continue;
      }
      const docChunks = chunkSections(sections.sections, { ...chunking, countTokens });
      documents.push({
        id,
        path: raw.path,
        source: source.type,
        contentHash,
        ...fields,
        text: normalized.document.text,
        firstChunk: chunks.length,
        chunkCount: docChunks.length,
      });
      for (const c of docChunks) {
        chunks.push({ docId: id, headingPath: c.headingPath, text: c.text, tokens: c.tokens });
        vectors.push(undefined);
      }
    }
  } finally {
    if (!options.parser) await parser.close();
  }
  if (!documents.length) {
    throw new RefreshError(
      `no document could be indexed from ${source.origin} (${seen} seen, ${skipped.length} skipped); the live version of "${collection}" is unchanged`,
    );
  }

  const removed = previous
    ? [...previous.docsByPath.keys()].filter((p) => !paths.has(p) || skipped.some((s) => s.path === p)).length
    : 0;
  const titles = new Map(documents.map((d) => [d.id, d.title]));
  let chunksEmbedded = 0;
  if (embedder) {
    const missing = vectors.flatMap((v, i) => (v ? [] : [i]));
    const batch = options.embedBatchSize ?? 64;
    for (let i = 0; i < missing.length; i += batch) {
      const labels = missing.slice(i, i + batch);
      const embedded = await embedder.embed(
        labels.map((l) => embeddingText(titles.get(chunks[l]!.docId)!, chunks[l]!)),
      );
      labels.forEach((label, j) => (vectors[label] = embedded[j]));
      chunksEmbedded += labels.length;
      progress({ phase: "embed", done: chunksEmbedded, total: missing.length });
    }
  }

  const modelUnchanged =
    (previous?.manifest.model?.id ?? null) === (embedder?.modelId ?? null) &&
    (!embedder || !!previous?.vectors);
  if (
    previous &&
    modelUnchanged &&
    chunksEmbedded === 0 &&
    removed === 0 &&
    reused === documents.length &&
    metadataUnchanged(previous, documents)
  ) {
    return {
      ...counts(),
      version: previous.manifest.version,
      published: false,
      prunedVersions: [],
      warnings: [],
      durationMs: Math.round(performance.now() - started),
    };
  }

  const files: Partial<Record<BundleFileName, Uint8Array | string>> = {};
  if (embedder) {
    const index = await options.vectorCodec.build(vectors as Float32Array[], embedder.dimensions);
    files[BUNDLE_FILES.vectorIndex] = await index.serialize();
  }
  const keyword = options.keywordCodec.build(
    chunks.map((c, label) => ({
      label,
      title: titles.get(c.docId)!,
      heading: c.headingPath.join(" "),
      text: c.text,
    })),
  );
  files[BUNDLE_FILES.keywordIndex] = keyword.serialize();
  files[BUNDLE_FILES.documents] = JSON.stringify(documents);
  files[BUNDLE_FILES.chunks] = JSON.stringify(chunks);

  progress({ phase: "publish" });
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
      source: { type: source.type, origin: source.origin, ...(cursor ? { cursor } : {}) },
      chunking,
      counts: { documents: documents.length, chunks: chunks.length, skipped: skipped.length },
    },
    etag,
  );
  await record("the document cache", () =>
    options.cache?.replaceDocuments(
      collection,
      documents.map((d) => ({
        ...documentFacts(collection, d),
        ...(d.metadata ? { metadata: d.metadata } : {}),
      })),
    ),
  );
  const prunedVersions = await pruneVersions(options.store, collection, options.keepVersions ?? 5);
  return {
    ...counts(),
    version,
    published: true,
    prunedVersions,
    warnings: [],
    durationMs: Math.round(performance.now() - started),
  };

  function counts() {
    return {
      collection,
      model: embedder?.modelId ?? null,
      documentsSeen: seen,
      documentsIndexed: documents.length,
      documentsReused: reused,
      documentsSkipped: skipped.length,
      documentsRemoved: removed,
      skipped,
      chunks: chunks.length,
      chunksEmbedded,
    };
  }
}

/** True when every document's listing fields equal the previous version's (nothing to republish). */
function metadataUnchanged(previous: PreviousVersion, documents: DocumentRecord[]): boolean {
  return documents.every((d) => {
    const prev = previous.docsByPath.get(d.path);
    return (
      !!prev &&
      prev.title === d.title &&
      prev.url === d.url &&
      prev.updatedAt === d.updatedAt &&
      prev.revision === d.revision &&
      JSON.stringify(prev.metadata ?? {}) === JSON.stringify(d.metadata ?? {})
    );
  });
}
