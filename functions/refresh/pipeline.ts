/**
 * The refresh pipeline: read a source, normalise, chunk, embed, build the vector and keyword indexes, and
 * publish a new bundle version. Bad documents are skipped and reported; any other failure leaves the live
 * version untouched.
 */
import {
  BUNDLE_FILES,
  newVersionId,
  publishVersion,
  pruneVersions,
  sha256,
  type ChunkRecord,
  type DocumentRecord,
} from "../core/bundle.js";
import { DEFAULT_CHUNKING, chunkMarkdown, estimateTokens } from "../core/chunking.js";
import { ThothError } from "../core/errors.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, normalizeDocument } from "../core/normalize.js";
import type { Embedder, KeywordIndexCodec, ObjectStore, Source, VectorIndexCodec } from "../core/ports.js";

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
  vectorCodec: VectorIndexCodec;
  keywordCodec: KeywordIndexCodec;
  chunking?: { maxTokens: number; overlapTokens: number };
  /** Versions kept after publishing (the live one always survives). Default 5. */
  keepVersions?: number;
  maxDocumentBytes?: number;
  /** Texts per embedder call; progress is reported after each. Default 64. */
  embedBatchSize?: number;
  onProgress?: (progress: RefreshProgress) => void;
}

export interface RefreshSummary {
  collection: string;
  version: string;
  model: string | null;
  documentsSeen: number;
  documentsIndexed: number;
  documentsSkipped: number;
  skipped: { path: string; reason: string }[];
  chunks: number;
  chunksEmbedded: number;
  prunedVersions: string[];
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

export async function refreshCollection(options: RefreshOptions): Promise<RefreshSummary> {
  const started = performance.now();
  const { collection, source, embedder } = options;
  const chunking = options.chunking ?? DEFAULT_CHUNKING;
  const maxTokens = embedder ? Math.min(chunking.maxTokens, embedder.maxTokens - 32) : chunking.maxTokens;
  const overlapTokens = Math.min(chunking.overlapTokens, Math.floor(maxTokens / 4));
  const countTokens = embedder ? (t: string) => embedder.countTokens(t) : estimateTokens;
  const progress = options.onProgress ?? (() => {});

  const documents: DocumentRecord[] = [];
  const chunks: ChunkRecord[] = [];
  const skipped: RefreshSummary["skipped"] = [];
  const paths = new Set<string>();
  let seen = 0;
  for await (const raw of source.documents()) {
    seen++;
    progress({ phase: "read", documents: seen });
    if (paths.has(raw.path)) {
      skipped.push({ path: raw.path, reason: "duplicate path" });
      continue;
    }
    paths.add(raw.path);
    const normalized = normalizeDocument(raw, options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES);
    if (!normalized.ok) {
      skipped.push({ path: raw.path, reason: normalized.reason });
      continue;
    }
    const id = documentId(raw.path);
    const docChunks = chunkMarkdown(normalized.document.text, {
      maxTokens,
      overlapTokens,
      countTokens,
    });
    documents.push({
      id,
      path: raw.path,
      title: normalized.document.title,
      ...(raw.url ? { url: raw.url } : {}),
      source: source.type,
      contentHash: sha256(normalized.document.text),
      ...(raw.updatedAt ? { updatedAt: raw.updatedAt } : {}),
      text: normalized.document.text,
      firstChunk: chunks.length,
      chunkCount: docChunks.length,
    });
    for (const c of docChunks)
      chunks.push({ docId: id, headingPath: c.headingPath, text: c.text, tokens: c.tokens });
  }
  if (!documents.length) {
    throw new RefreshError(
      `no document could be indexed from ${source.origin} (${seen} seen, ${skipped.length} skipped); the live version of "${collection}" is unchanged`,
    );
  }

  const titles = new Map(documents.map((d) => [d.id, d.title]));
  const files: Partial<Record<(typeof BUNDLE_FILES)[keyof typeof BUNDLE_FILES], Uint8Array | string>> = {};
  let chunksEmbedded = 0;
  if (embedder) {
    const texts = chunks.map((c) => embeddingText(titles.get(c.docId)!, c));
    const vectors: Float32Array[] = [];
    const batch = options.embedBatchSize ?? 64;
    for (let i = 0; i < texts.length; i += batch) {
      vectors.push(...(await embedder.embed(texts.slice(i, i + batch))));
      chunksEmbedded = vectors.length;
      progress({ phase: "embed", done: vectors.length, total: texts.length });
    }
    const index = await options.vectorCodec.build(vectors, embedder.dimensions);
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
  await publishVersion(options.store, collection, version, files, {
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
    chunking: { maxTokens, overlapTokens },
    counts: { documents: documents.length, chunks: chunks.length, skipped: skipped.length },
  });
  const prunedVersions = await pruneVersions(options.store, collection, options.keepVersions ?? 5);

  return {
    collection,
    version,
    model: embedder?.modelId ?? null,
    documentsSeen: seen,
    documentsIndexed: documents.length,
    documentsSkipped: skipped.length,
    skipped,
    chunks: chunks.length,
    chunksEmbedded,
    prunedVersions,
    durationMs: Math.round(performance.now() - started),
  };
}
