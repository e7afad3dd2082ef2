/**
 * The read side's shapes: a loaded collection, the caller's scope, and what searches, listings and document
 * reads return. Shared by the registry, search and documents modules and the KnowledgeBase that joins them.
 */
import type { SearchMode, SourceType } from "../../shared/types.js";
import type { Manifest, StoredDocument } from "./bundle.js";
import type { ChunkTable } from "./bundle-files.js";
import type { DocumentListing, SearchHit } from "./contracts.js";
import type { KeywordIndex, VectorIndex } from "./ports.js";
import type { LoadTimings } from "./version-reader.js";

export interface LoadedCollection {
  name: string;
  manifest: Manifest;
  documents: StoredDocument[];
  chunks: ChunkTable;
  /** A document's whole text (read from the bundle on demand). */
  documentText(document: StoredDocument): string;
  keyword: KeywordIndex;
  vectors?: VectorIndex;
  /** Why semantic search is off for this collection, when it is (for now, while `vectorsLoading`). */
  semanticUnavailable?: string;
  /** Pending while the vector index loads behind the keyword index; settles when `vectors` is set or has failed. */
  vectorsLoading?: Promise<void>;
  /** Loads the vector index again, when loading it failed in a way another try may mend. */
  retryVectors?: () => Promise<VectorIndex>;
  docsById: Map<string, StoredDocument>;
  docsByPath: Map<string, StoredDocument>;
  /** How long loading took: fetching and verifying the files, decoding them and loading the indexes. */
  loadTimings: LoadTimings;
  /**
   * Set on a collection answering from byte ranges while its files come in (ranged-version.ts): reads what
   * the hits `labels` show, before their documents, headings and texts are asked for.
   */
  readHits?(labels: number[]): Promise<void>;
}

/** The collections a caller may see (an API key's allowlist); `undefined` means all. */
export type Scope = ReadonlySet<string> | undefined;

export interface SearchRequest {
  query: string;
  collection?: string;
  limit?: number;
  mode?: SearchMode;
  pathPrefix?: string;
  source?: SourceType;
  /** A document type from the source, e.g. Sigma's `workbook` or `dataset`. */
  type?: string;
  /** At most this many passages of one document (default DEFAULT_PER_DOCUMENT). */
  perDocument?: number;
  scope?: Scope;
}

export interface SearchResponse {
  /** The mode that produced the results (hybrid falls back to keyword without a model). */
  mode: SearchMode;
  results: SearchHit[];
  notices: string[];
}

export interface CollectionSummary {
  name: string;
  version: string;
  builtAt: string;
  documents: number;
  chunks: number;
  model: string | null;
  modes: SearchMode[];
  source: { type: SourceType; origin: string; cursor?: string };
}

/** One page of a document's text. */
export interface DocumentPage {
  collection: string;
  document: DocumentListing;
  text: string;
  /** Characters of the whole document. */
  totalChars: number;
  nextCursor?: string;
}

export const DEFAULT_PAGE_CHARS = 20_000;

/** Completions (`completion/complete`) return at most this many values (MCP allows 100). */
export const MAX_COMPLETIONS = 50;
export const MAX_SEARCH_LIMIT = 50;
export const DEFAULT_SEARCH_LIMIT = 8;
/** Passages of one document in one result list, unless the caller asks for more: the top 10 is not one page. */
export const DEFAULT_PER_DOCUMENT = 2;
