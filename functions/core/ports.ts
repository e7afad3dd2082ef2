/**
 * The ports the core depends on. Each has a local adapter (functions/adapters/local, adapters/ml) and, where
 * the platform needs one, an AWS adapter. Nothing here imports an SDK.
 */
import type { SecretName } from "../../shared/names.js";
import type { SourceType } from "../../shared/types.js";
import type { CachedDocument } from "./contracts.js";

export interface ListedObject {
  key: string;
  size: number;
  etag?: string;
}

/** Key/value blob storage: the filesystem locally, S3 in AWS. Keys use `/` separators. */
export interface ObjectStore {
  /** The object's bytes, or `undefined` when no object has that key. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * The same listing with each object's size in bytes and, where the store has one without reading the object,
   * its entity tag (S3 lists both), so a reader can skip what is too large or unchanged before downloading it.
   */
  listObjects(prefix: string): Promise<ListedObject[]>;
  /** Deletes the keys; a key that does not exist is not an error. */
  delete(keys: string[]): Promise<void>;
  /** The object with its entity tag (an opaque marker that changes with every write), or `undefined`. */
  read(key: string): Promise<{ body: Uint8Array; etag: string } | undefined>;
  /**
   * Compare-and-swap: writes only if the object's entity tag is still `expected` (`null`: only if the object
   * does not exist). Returns false, writing nothing, when another writer changed it first.
   */
  putIfUnchanged(
    key: string,
    body: Uint8Array | string,
    expected: string | null,
    options?: { contentType?: string },
  ): Promise<boolean>;
  /**
   * Optional: the object as a file on this machine, for readers that load from a path (hnswlib), so a large
   * object is not copied a second time. The file is kept (not evicted or replaced) until `release()`. Returns
   * the bytes instead when the store could not keep a file (too large for its cache), and `undefined` when no
   * object has that key. Stores without local files leave this out and readers call `get`.
   */
  getFile?(key: string): Promise<LocalObject | undefined>;
  /**
   * Optional: bytes `[start, end)` of the object (fewer where it ends sooner, none past its end), or `undefined`
   * when no object has that key. A fresh server answers its first queries from a version's files read by range
   * while the whole files come in; stores without it are read whole.
   */
  getRange?(key: string, start: number, end: number): Promise<Uint8Array | undefined>;
}

/** Checks a byte range's bounds (a store's `getRange`). */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new RangeError(`bad byte range [${start}, ${end})`);
}

/** An object as `ObjectStore.getFile` hands it over: a file held until released, or the bytes. */
export type LocalObject = { file: string; release(): void } | { bytes: Uint8Array };

/** Reads secret values by logical name; the value is `undefined` when the secret is not set. */
export interface SecretSource {
  getSecret(name: SecretName): Promise<string | undefined>;
}

/** One refresh run of one collection: what it did, or what failed. */
export interface RefreshRun {
  collection: string;
  runId: string;
  startedAt: string;
  finishedAt?: string;
  status: "running" | "succeeded" | "failed";
  /** The version the run published (or found unchanged). */
  version?: string;
  published?: boolean;
  counts?: {
    documentsSeen: number;
    documentsIndexed: number;
    documentsSkipped: number;
    chunks: number;
    chunksEmbedded: number;
  };
  skipped?: { path: string; reason: string }[];
  error?: string;
}

/** Document metadata and refresh-run records (DynamoDB on AWS, a JSON file locally). */
export interface DocumentCache {
  /** Replaces the collection's entries with `documents` (entries not listed are removed). */
  replaceDocuments(collection: string, documents: CachedDocument[]): Promise<void>;
  listDocuments(collection: string): Promise<CachedDocument[]>;
  putRun(run: RefreshRun): Promise<void>;
  /** The newest runs first. */
  listRuns(collection: string, limit?: number): Promise<RefreshRun[]>;
}

/** Turns text into unit-length vectors with one fixed model. */
export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  /** The model's input limit in tokens; longer inputs are truncated by the model. */
  readonly maxTokens: number;
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Tokens the model's own tokenizer makes of `text`, without special tokens. */
  countTokens(text: string): number;
}

export interface ScoredLabel {
  /** Position of the chunk in the bundle's chunk list. */
  label: number;
  score: number;
}

/** Approximate nearest-neighbour search over chunk vectors (cosine similarity, higher is closer). */
export interface VectorIndex {
  readonly size: number;
  search(query: Float32Array, k: number, filter?: (label: number) => boolean): ScoredLabel[];
  /** The stored vector of a label (used to reuse vectors of unchanged documents). */
  vector(label: number): Float32Array;
  serialize(): Promise<Uint8Array>;
}

export interface VectorIndexCodec {
  /** Describes the index parameters for the manifest (e.g. `{ M: 16, efConstruction: 200 }`). */
  readonly params: Record<string, number>;
  build(vectors: Float32Array[], dimensions: number): Promise<VectorIndex>;
  /**
   * Throws NativeModuleUnavailableError when no index can be loaded in this process (a native addon built for
   * another machine), before anything is downloaded for it.
   */
  check?(): void;
  /** Loads an index from its bytes, or straight from a file holding them. */
  load(source: Uint8Array | { file: string }, dimensions: number): Promise<VectorIndex>;
}

/** What the keyword index sees of a chunk. Entries arrive in label order, a document's chunks together. */
export interface KeywordEntry {
  label: number;
  /** The document's position in the bundle's document list. */
  doc: number;
  title: string;
  heading: string;
  text: string;
}

export interface KeywordSearchOptions {
  /** Only chunks for which this holds: a condition on the chunk's document (path, source, type). */
  filter?: (label: number) => boolean;
  /** At most this many chunks of one document among the results (default: no limit). */
  maxPerDocument?: number;
}

/**
 * The distinct query terms a keyword search scores: a longer query keeps the rarest ones (highest idf, ties by
 * term), whatever their order in the query, so a pasted paragraph costs bounded work and ranks the same
 * however it is worded.
 */
export const MAX_QUERY_TERMS = 64;

/** Lexical (BM25-family) search over chunks. */
export interface KeywordIndex {
  readonly size: number;
  /** The best `k` chunks; at most MAX_QUERY_TERMS terms of the query count (see there). */
  search(query: string, k: number, options?: KeywordSearchOptions): ScoredLabel[];
  serialize(): Uint8Array;
}

/**
 * Takes the chunks one at a time, as the refresh collects them, so it never holds them all for the index's
 * sake (and may build on another thread meanwhile). `finish` gives the index file; `abort` drops the work.
 */
export interface KeywordIndexBuilder {
  add(entry: KeywordEntry): void;
  finish(): Promise<Uint8Array>;
  abort(): void;
}

export interface KeywordIndexCodec {
  /** The bundle file this codec writes and reads (a bundle names its keyword index by it). */
  readonly file: string;
  builder(): KeywordIndexBuilder;
  load(bytes: Uint8Array): KeywordIndex;
  /**
   * Optional: the index file read by range (`read` gives bytes `[start, end)`), for answers before the whole file
   * is in; `undefined` when this file has to be read whole (an older format).
   */
  openRanges?(
    read: (start: number, end: number) => Promise<Uint8Array>,
  ): Promise<RangedKeywordIndex | undefined>;
}

/** A keyword index read by range: per query, an index of that query's terms alone, ranking as the whole one. */
export interface RangedKeywordIndex {
  readonly size: number;
  forQuery(query: string): Promise<KeywordIndex>;
  /** The document ordinal of a chunk. */
  docOf(label: number): number;
}

/** The codecs every writer and reader of bundles uses. */
export interface IndexCodecs {
  vectorCodec: VectorIndexCodec;
  keywordCodec: KeywordIndexCodec;
  /** Reads format-1 bundles' keyword index (MiniSearch JSON): a rollback target, or a collection not refreshed since. */
  legacyKeywordCodec?: KeywordIndexCodec;
}

/** The embedding model a process loaded, or none and why: search then runs in keyword mode, and says why. */
export interface ModelLoad {
  embedder: Embedder | null;
  /** Why there is no embedder, when there is none. */
  embedderUnavailableReason?: string;
}

/** One document as a source hands it over, before normalisation. */
export interface SourceDocument {
  /** Path inside the source, `/`-separated, unique within the collection. */
  path: string;
  bytes: Uint8Array;
  url?: string;
  /** A title the source knows better than the document text does (e.g. a Sigma workbook name). */
  title?: string;
  updatedAt?: string;
  /** Overrides the format guessed from the path's extension. */
  format?: "markdown" | "text" | "html";
  /** The source's version marker of this document (a GitLab blob SHA, an S3 ETag, an update time). */
  revision?: string;
  /** Source-specific facts kept with the document (e.g. Sigma `type`, `description`). */
  metadata?: Record<string, string>;
  /** Set when the source did not fetch the document, with the reason (reported as skipped). */
  skip?: string;
}

/** A document the source knows is unchanged since the previous run (same revision): not fetched again. */
export interface UnchangedDocument {
  path: string;
  unchanged: true;
  /** Set by a URL template (the source's own link otherwise stays as the previous version recorded it). */
  url?: string;
}

/** Where a collection's documents come from. */
export interface Source {
  readonly type: SourceType;
  /** Human-readable origin for logs and manifests (never contains a secret). */
  readonly origin: string;
  /** The template its documents' URLs are made from, when they are (recorded in the manifest). */
  readonly urlTemplate?: string;
  /**
   * Every document of the source. `known` maps paths of the previous version to their revisions; a source
   * that can tell a document is unchanged yields an UnchangedDocument instead of fetching it.
   */
  documents(known?: ReadonlyMap<string, string>): AsyncIterable<SourceDocument | UnchangedDocument>;
  /** A marker of the source state this run saw, such as a commit SHA; stored in the manifest. */
  cursor(): Promise<string | undefined>;
}
