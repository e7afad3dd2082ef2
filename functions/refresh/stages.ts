/**
 * The stages of one refresh, each small and testable alone: collect (reuse what is unchanged, parse and chunk
 * the rest), embed what is missing, decide whether anything changed, build the bundle files. pipeline.ts runs
 * them in that order, then publishes and records.
 */
import {
  BUNDLE_FILES,
  type BundleFileName,
  type ChunkRecord,
  type DocumentRecord,
  type StoredDocument,
} from "../core/bundle.js";
import { ChunkCardWriter, TextStoreWriter, encodeChunkTable, type ChunkEntry } from "../core/bundle-files.js";
import type { TokenCounter } from "../core/chunking.js";
import { DEFAULT_MAX_DOCUMENT_BYTES } from "../core/normalize.js";
import { ThothError } from "../core/errors.js";
import { MAX_HEADING_CHARS, MAX_TITLE_CHARS, label } from "../core/labels.js";
import type { Embedder, KeywordIndexBuilder, Source, VectorIndexCodec } from "../core/ports.js";
import type { EmbeddingCheckpoint } from "./embedding-checkpoint.js";
import type { DocumentParser } from "./document-parser.js";
import { prepareDocument } from "./prepare.js";
import type { RefreshProgress, RefreshSummary } from "./refresh-types.js";
import type { PreviousVersion } from "./previous-version.js";

/** What the collect stage gathered: the new version's documents and chunks, and the vectors it could reuse. */
export interface Collected {
  documents: DocumentRecord[];
  chunks: ChunkRecord[];
  /** Aligned with `chunks`; undefined where the chunk still needs embedding. */
  vectors: (Float32Array | undefined)[];
  skipped: RefreshSummary["skipped"];
  /** Every path the source listed (skipped ones included). */
  paths: Set<string>;
  seen: number;
  reused: number;
}

/**
 * Stage 1, collect/reuse: every document of the source either reuses the previous version's chunks and vectors
 * (same content, same chunking), or is parsed (under the parser's time budget) and chunked, or is skipped with
 * its reason.
 */
export async function collectDocuments(options: {
  source: Source;
  previous: PreviousVersion | undefined;
  chunking: { maxTokens: number; overlapTokens: number };
  countTokens: TokenCounter;
  parser: DocumentParser;
  maxDocumentBytes?: number;
  progress: (progress: RefreshProgress) => void;
  signal?: AbortSignal;
  /** Receives every chunk as it is collected, in label order. */
  keyword?: KeywordIndexBuilder;
}): Promise<Collected> {
  const { source, previous, chunking, countTokens, parser, progress, signal, keyword } = options;
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

  /** A chunk of the last document pushed; the keyword index gets it at once (it may build on another thread). */
  const push = (chunk: ChunkRecord, vector?: Float32Array) => {
    chunks.push(chunk);
    vectors.push(vector);
    keyword?.add({
      label: chunks.length - 1,
      doc: documents.length - 1,
      title: documents.at(-1)!.title,
      heading: chunk.headingPath.join(" "),
      text: chunk.text,
    });
  };

  const reuse = (prev: StoredDocument) => {
    const { chunks: table } = previous!;
    // A version built before titles and headings were bounded (labels.ts) is bounded as it is reused.
    documents.push({
      ...prev,
      title: label(prev.title, MAX_TITLE_CHARS),
      text: previous!.documentText(prev),
      firstChunk: chunks.length,
    });
    for (let at = prev.firstChunk; at < prev.firstChunk + prev.chunkCount; at++) {
      push(
        {
          docId: prev.id,
          headingPath: table.headingPath(at).map((h) => label(h, MAX_HEADING_CHARS)),
          text: table.text(at),
          tokens: table.tokens(at),
        },
        previous!.vectors?.vector(at),
      );
    }
    reused++;
  };

  const context = {
    paths,
    parser,
    chunking: { ...chunking, countTokens },
    maxDocumentBytes: options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    sourceType: source.type,
  };
  for await (const raw of source.documents(known)) {
    if (signal?.aborted) throw new RefreshInterruptedError(0, 0, undefined, "collect");
    progress({ phase: "read", documents: ++seen });
    const prepared = await prepareDocument(raw, previous, context);
    if (prepared.kind === "skip") skipped.push({ path: prepared.path, reason: prepared.reason });
    else if (prepared.kind === "reuse") reuse(prepared.document);
    else {
      documents.push({ ...prepared.document, firstChunk: chunks.length, chunkCount: prepared.chunks.length });
      for (const c of prepared.chunks)
        push({ docId: prepared.document.id, headingPath: c.headingPath, text: c.text, tokens: c.tokens });
    }
  }
  return { documents, chunks, vectors, skipped, paths, seen, reused };
}

/** What the embedder sees of a chunk: the document title and heading path give it context. */
export function embeddingText(title: string, chunk: Pick<ChunkRecord, "headingPath" | "text">): string {
  const context = [title, ...chunk.headingPath.filter((h) => h !== title)].join(" › ");
  return `${context}\n\n${chunk.text}`;
}

/**
 * Stage 2, embed-missing: embeds the chunks the collect stage could not reuse vectors for, taking first what
 * an interrupted earlier run left in the checkpoint and recording what it embeds there. When `signal` aborts
 * (or embedding fails), what was embedded is flushed to the checkpoint before the error goes up.
 */
export async function embedMissing(
  collected: Collected,
  embedder: Embedder | null,
  options: {
    batch: number;
    progress: (progress: RefreshProgress) => void;
    checkpoint?: EmbeddingCheckpoint;
    signal?: AbortSignal;
  },
): Promise<{ embedded: number; resumed: number }> {
  const { chunks, vectors } = collected;
  const { batch, progress, checkpoint, signal } = options;
  if (!embedder) return { embedded: 0, resumed: 0 };
  const titles = new Map(collected.documents.map((d) => [d.id, d.title]));
  const text = (label: number) => embeddingText(titles.get(chunks[label]!.docId)!, chunks[label]!);
  const missing: number[] = [];
  for (let label = 0; label < vectors.length; label++) {
    if (vectors[label]) continue;
    const kept = checkpoint?.take(text(label));
    if (kept) vectors[label] = kept;
    else missing.push(label);
  }
  let embedded = 0;
  if (missing.length) progress({ phase: "embed", done: 0, total: missing.length });
  try {
    for (let i = 0; i < missing.length; i += batch) {
      // A turn of the event loop between batches: the model's promises settle without one, and a Ctrl-C
      // (or any timer) would otherwise wait for the whole phase.
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      const labels = missing.slice(i, i + batch);
      const texts = labels.map(text);
      const result = await embedder.embed(texts);
      labels.forEach((label, j) => {
        vectors[label] = result[j];
        checkpoint?.add(texts[j]!, result[j]!);
      });
      embedded += labels.length;
      progress({ phase: "embed", done: embedded, total: missing.length });
      await checkpoint?.flush();
    }
  } catch (error) {
    await checkpoint?.flush(true).catch(() => undefined);
    throw signal?.aborted ? new RefreshInterruptedError(embedded, missing.length, checkpoint) : error;
  }
  return { embedded, resumed: checkpoint?.taken ?? 0 };
}

/**
 * The run was stopped (Ctrl-C) before its version went live: nothing was published, and what it embedded is
 * in the checkpoint for the next run. `stage` says where it stopped.
 */
export class RefreshInterruptedError extends ThothError {
  constructor(
    readonly embedded: number,
    readonly toEmbed: number,
    checkpoint?: EmbeddingCheckpoint,
    readonly stage: "collect" | "embed" | "publish" = "embed",
  ) {
    const kept = checkpoint && embedded;
    super(
      stage === "publish"
        ? `interrupted before the new version went live; nothing was published${kept ? ` (the ${embedded} chunks embedded are kept, and the same command resumes from there)` : ""}`
        : kept
          ? `interrupted after embedding ${embedded} of ${toEmbed} chunks; they are kept, and the same command resumes from there; nothing was published`
          : "interrupted before anything was embedded; nothing was published",
    );
  }
}

/** Stage 3, unchanged?: true when the run would publish exactly what is live (so it publishes nothing). */
export function isUnchanged(
  previous: PreviousVersion | undefined,
  collected: Collected,
  embedder: Embedder | null,
  chunksEmbedded: number,
  removed: number,
): boolean {
  const modelUnchanged =
    (previous?.manifest.model?.id ?? null) === (embedder?.modelId ?? null) &&
    (!embedder || !!previous?.vectors);
  return (
    !!previous &&
    modelUnchanged &&
    chunksEmbedded === 0 &&
    removed === 0 &&
    collected.reused === collected.documents.length &&
    metadataUnchanged(previous, collected.documents)
  );
}

/**
 * Stage 4, build: the bundle's files (vector index, keyword index, documents, chunks). The keyword index was fed
 * during collect (on its own thread, for a large collection, so it was built while documents were parsed and
 * chunked); its file is taken first, before the texts are compressed, so the two peaks of memory do not meet.
 */
export async function buildBundleFiles(
  collected: Collected,
  embedder: Embedder | null,
  codecs: { vectorCodec: VectorIndexCodec },
  keyword: { builder: KeywordIndexBuilder; file: string },
): Promise<Partial<Record<BundleFileName, Uint8Array | string>>> {
  const { documents, chunks, vectors } = collected;
  const files: Partial<Record<BundleFileName, Uint8Array | string>> = {};
  if (embedder) {
    const index = await codecs.vectorCodec.build(vectors as Float32Array[], embedder.dimensions);
    files[BUNDLE_FILES.vectorIndex] = await index.serialize();
  }
  // First, while little else is held: building the postings and the file is the keyword index's peak.
  files[keyword.file as BundleFileName] = await keyword.builder.finish();
  // Each document's text, then its chunks' texts: reading a document's passages touches neighbouring blocks.
  const texts = new TextStoreWriter();
  const cards = new ChunkCardWriter();
  const entries: ChunkEntry[] = [];
  const stored = documents.map(({ text, ...facts }, doc) => {
    const document = { ...facts, textRef: texts.append(text) };
    for (let label = document.firstChunk; label < document.firstChunk + document.chunkCount; label++) {
      const c = chunks[label]!;
      entries.push({ doc, headingPath: c.headingPath, tokens: c.tokens, text: texts.append(c.text) });
      cards.add({ doc, document, headingPath: c.headingPath, tokens: c.tokens, text: c.text });
    }
    return document;
  });
  files[BUNDLE_FILES.documents] = JSON.stringify(stored);
  files[BUNDLE_FILES.chunks] = encodeChunkTable(entries);
  files[BUNDLE_FILES.texts] = texts.finish();
  files[BUNDLE_FILES.cards] = cards.finish();
  return files;
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
