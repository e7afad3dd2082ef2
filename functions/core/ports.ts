/**
 * The ports the core depends on. Each has a local adapter (functions/adapters/local, adapters/ml) and, where
 * the platform needs one, an AWS adapter. Nothing here imports an SDK.
 */
import type { SecretName } from "../../shared/names.js";
import type { SourceType } from "../../shared/types.js";

/** Key/value blob storage: the filesystem locally, S3 in AWS. Keys use `/` separators. */
export interface ObjectStore {
  /** The object's bytes, or `undefined` when no object has that key. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void>;
  /** Every key that starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes the keys; a key that does not exist is not an error. */
  delete(keys: string[]): Promise<void>;
}

/** Reads secret values by logical name; the value is `undefined` when the secret is not set. */
export interface SecretSource {
  getSecret(name: SecretName): Promise<string | undefined>;
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
  load(bytes: Uint8Array, dimensions: number): Promise<VectorIndex>;
}

/** What the keyword index sees of a chunk. */
export interface KeywordEntry {
  label: number;
  title: string;
  heading: string;
  text: string;
}

/** Lexical (BM25-family) search over chunks. */
export interface KeywordIndex {
  readonly size: number;
  search(query: string, k: number, filter?: (label: number) => boolean): ScoredLabel[];
  serialize(): Uint8Array;
}

export interface KeywordIndexCodec {
  build(entries: KeywordEntry[]): KeywordIndex;
  load(bytes: Uint8Array): KeywordIndex;
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
}

/** Where a collection's documents come from. */
export interface Source {
  readonly type: SourceType;
  /** Human-readable origin for logs and manifests (never contains a secret). */
  readonly origin: string;
  documents(): AsyncIterable<SourceDocument>;
  /** A marker of the source state this run saw, such as a commit SHA; stored in the manifest. */
  cursor(): Promise<string | undefined>;
}
