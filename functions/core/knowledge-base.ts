/**
 * The read side: loads the live version of every collection from an ObjectStore and answers searches,
 * document reads and listings over them. Used by the MCP server and the `thoth search` command.
 */
import type { SearchMode, SourceType } from "../../shared/types.js";
import {
  BUNDLE_FILES,
  ChunkRecordSchema,
  DocumentRecordSchema,
  decodeBundleJson,
  listPublishedCollections,
  loadVersion,
  readPointer,
  type ChunkRecord,
  type DocumentRecord,
  type Manifest,
  type Pointer,
} from "./bundle.js";
import {
  InvalidRequestError,
  ModelMismatchError,
  NativeModuleUnavailableError,
  NotFoundError,
} from "./errors.js";
import type {
  Embedder,
  KeywordIndex,
  KeywordIndexCodec,
  ObjectStore,
  ScoredLabel,
  VectorIndex,
  VectorIndexCodec,
} from "./ports.js";
import { fuseLabels, makeSnippet, reciprocalRankFusion } from "./ranking.js";
import { z } from "zod";

export interface KnowledgeBaseDeps {
  store: ObjectStore;
  /** `null` when no embedding model could be loaded: search then runs in keyword mode only. */
  embedder: Embedder | null;
  /** Why the embedder is missing, for heartbeat and notices. */
  embedderUnavailableReason?: string;
  vectorCodec: VectorIndexCodec;
  keywordCodec: KeywordIndexCodec;
  /** How often, at most, `checkForNewVersions` reads the pointers. Default 60; 0 checks on every call. */
  pointerCheckSeconds?: number;
}

export interface LoadedCollection {
  name: string;
  manifest: Manifest;
  documents: DocumentRecord[];
  chunks: ChunkRecord[];
  keyword: KeywordIndex;
  vectors?: VectorIndex;
  /** Why semantic search is off for this collection, when it is. */
  semanticUnavailable?: string;
  docsById: Map<string, DocumentRecord>;
  docsByPath: Map<string, DocumentRecord>;
  /** How long loading took: fetching and verifying the files, then decoding them and loading the indexes. */
  loadTimings: { downloadMs: number; indexLoadMs: number };
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
  scope?: Scope;
}

export interface SearchHit {
  collection: string;
  docId: string;
  title: string;
  path: string;
  url?: string;
  source: SourceType;
  heading: string;
  snippet: string;
  score: number;
  type?: string;
}

export interface SearchResponse {
  /** The mode that produced the results (hybrid falls back to keyword without a model). */
  mode: SearchMode;
  hits: SearchHit[];
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

/** A document as listings show it: everything but its text and bundle bookkeeping. */
export type DocumentListing = Pick<
  DocumentRecord,
  "id" | "path" | "title" | "url" | "source" | "updatedAt"
> & {
  collection: string;
  /** The source's document type, e.g. Sigma's `workbook`. */
  type?: string;
  description?: string;
};

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

export const MAX_SEARCH_LIMIT = 50;
export const DEFAULT_SEARCH_LIMIT = 8;
const CANDIDATES = 50;

const DocumentsSchema = z.array(DocumentRecordSchema);
const ChunksSchema = z.array(ChunkRecordSchema);

export class KnowledgeBase {
  readonly #collections = new Map<string, LoadedCollection>();
  readonly #failures = new Map<string, string>();
  #lastCheck = 0;
  #checking: Promise<void> | undefined;

  private constructor(private readonly deps: KnowledgeBaseDeps) {}

  /** Loads the live version of every published collection. A collection that fails to load is reported, not fatal. */
  static async open(deps: KnowledgeBaseDeps): Promise<KnowledgeBase> {
    const kb = new KnowledgeBase(deps);
    await kb.#check();
    return kb;
  }

  get embedder(): Embedder | null {
    return this.deps.embedder;
  }

  /**
   * Swaps to newly published versions without a restart: reads the pointers at most every
   * `pointerCheckSeconds`, loads and verifies a new version, and only then replaces the old one. A version that
   * fails to load, or was built with another model than this process embeds with, is refused: the version in
   * use keeps serving and `degradations()` says why. Searches in flight keep the version they started with.
   */
  async checkForNewVersions(now: number = Date.now()): Promise<void> {
    if (now - this.#lastCheck < (this.deps.pointerCheckSeconds ?? 60) * 1000) return;
    this.#checking ??= this.#check(now).finally(() => (this.#checking = undefined));
    await this.#checking;
  }

  async #check(now: number = Date.now()): Promise<void> {
    this.#lastCheck = now;
    let names: string[];
    try {
      names = await listPublishedCollections(this.deps.store);
    } catch (error) {
      // The store is unreachable: keep serving what is loaded and try again at the next check.
      this.#failures.set("*", `could not list collections: ${message(error)}`);
      return;
    }
    this.#failures.delete("*");
    // A collection whose bundles are gone is no longer served (nor reported healthy).
    for (const name of [...this.#collections.keys()]) if (!names.includes(name)) this.#drop(name);
    await Promise.all(names.map((name) => this.#checkCollection(name)));
  }

  #drop(name: string): void {
    this.#collections.delete(name);
    this.#failures.delete(name);
  }

  async #checkCollection(name: string): Promise<void> {
    const current = this.#collections.get(name);
    let pointer;
    try {
      pointer = await readPointer(this.deps.store, name);
    } catch (error) {
      this.#failures.set(name, message(error));
      return;
    }
    if (!pointer) {
      if (current) this.#drop(name);
      return;
    }
    if (pointer.version === current?.manifest.version) return;
    try {
      const loaded = await this.#load(name, pointer);
      if (current?.vectors && loaded.mismatch) {
        throw new ModelMismatchError(`refused version ${pointer.version}: ${loaded.mismatch}`);
      }
      this.#collections.set(name, loaded.collection);
      this.#failures.delete(name);
    } catch (error) {
      const serving = current ? `; still serving ${current.manifest.version}` : "";
      this.#failures.set(name, `${message(error)}${serving}`);
    }
  }

  async #load(name: string, pointer: Pointer): Promise<{ collection: LoadedCollection; mismatch?: string }> {
    const started = performance.now();
    const { manifest, files } = await loadVersion(this.deps.store, name, pointer);
    const downloaded = performance.now();
    const documents = decodeBundleJson(files, BUNDLE_FILES.documents, DocumentsSchema);
    const chunks = decodeBundleJson(files, BUNDLE_FILES.chunks, ChunksSchema);
    const keyword = this.deps.keywordCodec.load(files.get(BUNDLE_FILES.keywordIndex) ?? new Uint8Array());
    const collection: LoadedCollection = {
      name,
      manifest,
      documents,
      chunks,
      keyword,
      docsById: new Map(documents.map((d) => [d.id, d])),
      docsByPath: new Map(documents.map((d) => [d.path, d])),
      loadTimings: { downloadMs: Math.round(downloaded - started), indexLoadMs: 0 },
    };
    const embedder = this.deps.embedder;
    const vectorBytes = files.get(BUNDLE_FILES.vectorIndex);
    let mismatch: string | undefined;
    if (!manifest.model || !vectorBytes) {
      collection.semanticUnavailable = "the bundle was built without an embedding model";
    } else if (!embedder) {
      collection.semanticUnavailable = `no embedding model is loaded (${this.deps.embedderUnavailableReason ?? "unknown reason"})`;
    } else if (manifest.model.id !== embedder.modelId || manifest.model.dimensions !== embedder.dimensions) {
      mismatch = `the bundle was built with ${manifest.model.id} (${manifest.model.dimensions} dimensions) but this server embeds queries with ${embedder.modelId} (${embedder.dimensions})`;
      collection.semanticUnavailable = mismatch;
    } else {
      try {
        collection.vectors = await this.deps.vectorCodec.load(vectorBytes, manifest.model.dimensions);
      } catch (error) {
        if (!(error instanceof NativeModuleUnavailableError)) throw error;
        collection.semanticUnavailable = `the vector index cannot be loaded here: ${error.message}`;
      }
    }
    collection.loadTimings.indexLoadMs = Math.round(performance.now() - downloaded);
    return { collection, ...(mismatch ? { mismatch } : {}) };
  }

  /** Per collection: how long its live version took to fetch and to load. */
  loadTimings(): Record<string, LoadedCollection["loadTimings"]> {
    return Object.fromEntries([...this.#collections].map(([name, c]) => [name, c.loadTimings]));
  }

  collectionNames(scope?: Scope): string[] {
    return [...this.#collections.keys()].filter((name) => !scope || scope.has(name)).sort();
  }

  /** Collections that are published but could not be loaded, with the reason. */
  failures(scope?: Scope): { collection: string; reason: string }[] {
    return [...this.#failures]
      .filter(([name]) => name === "*" || !scope || scope.has(name))
      .map(([collection, reason]) => ({ collection, reason }));
  }

  /** A loaded collection; one outside `scope` is reported exactly like one that does not exist. */
  collection(name: string, scope?: Scope): LoadedCollection {
    const found = !scope || scope.has(name) ? this.#collections.get(name) : undefined;
    if (!found) {
      throw new NotFoundError(
        `no collection named "${name}"; available: ${this.collectionNames(scope).join(", ") || "none"}`,
      );
    }
    return found;
  }

  #targets(collection: string | undefined, scope: Scope): LoadedCollection[] {
    if (collection) return [this.collection(collection, scope)];
    return this.collectionNames(scope).map((name) => this.#collections.get(name)!);
  }

  listCollections(scope?: Scope): CollectionSummary[] {
    return this.#targets(undefined, scope).map((c) => ({
      name: c.name,
      version: c.manifest.version,
      builtAt: c.manifest.builtAt,
      documents: c.documents.length,
      chunks: c.chunks.length,
      model: c.manifest.model?.id ?? null,
      modes: c.vectors ? ["hybrid", "semantic", "keyword"] : ["keyword"],
      // A local folder's origin is a path on the server: callers learn only that it is a folder.
      source:
        c.manifest.source.type === "local" ? { type: "local", origin: "a local folder" } : c.manifest.source,
    }));
  }

  /**
   * Reasons some search modes are off, one line per collection, path-free for callers. Empty when everything is
   * available. `degradationDetails()` has the same lines with paths, for the log.
   */
  degradations(scope?: Scope): string[] {
    return this.degradationDetails(scope).map(pathFree);
  }

  degradationDetails(scope?: Scope): string[] {
    const lines = this.#targets(undefined, scope)
      .filter((c) => c.semanticUnavailable)
      .map((c) => `${c.name}: keyword search only: ${c.semanticUnavailable}`);
    return [
      ...lines,
      ...this.failures(scope).map((f) =>
        this.#collections.has(f.collection)
          ? `${f.collection}: ${f.reason}`
          : `${f.collection}: not loaded: ${f.reason}`,
      ),
    ];
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const query = request.query.trim();
    if (!query) throw new InvalidRequestError("the query is empty; pass a few words describing what to find");
    const limit = Math.min(Math.max(1, Math.floor(request.limit ?? DEFAULT_SEARCH_LIMIT)), MAX_SEARCH_LIMIT);
    const requested = request.mode ?? "hybrid";
    const targets = this.#targets(request.collection, request.scope);
    if (!targets.length)
      return { mode: requested, hits: [], notices: ["no collection has been indexed yet"] };

    const notices: string[] = [];
    const semanticReady = targets.filter((c) => c.vectors);
    if (requested === "semantic" && semanticReady.length < targets.length) {
      const off = targets.find((c) => !c.vectors)!;
      throw new InvalidRequestError(
        `semantic search is unavailable for "${off.name}": ${off.semanticUnavailable}; use mode "keyword" or "hybrid"`,
      );
    }
    let mode = requested;
    if (requested === "hybrid" && !semanticReady.length) {
      mode = "keyword";
      notices.push(pathFree(`hybrid search fell back to keyword mode: ${targets[0]!.semanticUnavailable}`));
    }
    const queryVector =
      mode !== "keyword" && semanticReady.length ? (await this.deps.embedder!.embed([query]))[0] : undefined;

    const perCollection = targets.map((c) =>
      this.#rank(c, query, mode, queryVector, makeFilter(c, request), CANDIDATES)
        .slice(0, limit)
        .map((hit) => toHit(c, hit, query)),
    );
    const hits =
      perCollection.length === 1
        ? perCollection[0]!
        : reciprocalRankFusion(
            perCollection,
            (h) => `${h.collection}/${h.docId}/${h.heading}/${h.snippet}`,
          ).map(({ item, score }) => ({ ...item, score }));
    return { mode, hits: hits.slice(0, limit), notices };
  }

  /** Chunk labels of one collection ranked for a query in a mode. */
  #rank(
    c: LoadedCollection,
    query: string,
    mode: SearchMode,
    queryVector: Float32Array | undefined,
    filter: ((label: number) => boolean) | undefined,
    candidates: number,
  ): ScoredLabel[] {
    const keyword = mode === "semantic" ? [] : c.keyword.search(query, candidates, filter);
    const semantic =
      mode !== "keyword" && c.vectors && queryVector ? c.vectors.search(queryVector, candidates, filter) : [];
    if (mode === "keyword") return keyword;
    if (mode === "semantic") return semantic;
    return fuseLabels(semantic.length ? [semantic, keyword] : [keyword]);
  }

  /**
   * A collection's documents ranked for a query, best first, `depth` deep: a document scores as its best chunk.
   * For evaluation (`npm run eval`); MCP tools use `search`.
   */
  async rankDocuments(request: {
    collection: string;
    query: string;
    mode: SearchMode;
    depth: number;
  }): Promise<string[]> {
    const c = this.collection(request.collection);
    if (request.mode !== "keyword" && !c.vectors) {
      throw new InvalidRequestError(`${request.mode} ranking needs vectors: ${c.semanticUnavailable}`);
    }
    const vector =
      request.mode === "keyword" ? undefined : (await this.deps.embedder!.embed([request.query]))[0];
    const ranked = this.#rank(c, request.query, request.mode, vector, undefined, request.depth * 4);
    const docs: string[] = [];
    for (const { label } of ranked) {
      const id = c.chunks[label]!.docId;
      if (!docs.includes(id)) docs.push(id);
      if (docs.length === request.depth) break;
    }
    return docs.map((id) => c.docsById.get(id)!.path);
  }

  /** A document by id or by path; with no collection given, every visible collection is searched. */
  getDocument(ref: { id?: string; path?: string; collection?: string; scope?: Scope }): {
    collection: string;
    document: DocumentRecord;
  } {
    if (!ref.id && !ref.path) throw new InvalidRequestError("pass either id or path of the document");
    for (const c of this.#targets(ref.collection, ref.scope)) {
      const document = ref.id ? c.docsById.get(ref.id) : c.docsByPath.get(ref.path!.replace(/^\/+/, ""));
      if (document) return { collection: c.name, document };
    }
    const what = ref.id ? `id "${truncate(ref.id)}"` : `path "${truncate(ref.path!)}"`;
    throw new NotFoundError(`no document with ${what}; use list_documents or search_documents to find one`);
  }

  /**
   * One page of a document's text, at most `maxChars` long and cut at a paragraph break where one is near;
   * `cursor` (a previous page's nextCursor) continues where that page ended.
   */
  getDocumentPage(ref: {
    id?: string;
    path?: string;
    collection?: string;
    scope?: Scope;
    cursor?: string;
    maxChars?: number;
  }): DocumentPage {
    const { collection, document } = this.getDocument(ref);
    const maxChars = Math.min(Math.max(1000, Math.floor(ref.maxChars ?? DEFAULT_PAGE_CHARS)), 100_000);
    const start = ref.cursor ? decodeCursor(ref.cursor) : 0;
    const text = document.text;
    if (start > text.length)
      throw new InvalidRequestError("the cursor is past the end of the document; start again without one");
    let end = Math.min(text.length, start + maxChars);
    if (end < text.length) {
      const paragraph = text.lastIndexOf("\n\n", end);
      if (paragraph > start + maxChars / 2) end = paragraph + 2;
    }
    return {
      collection,
      document: listing(collection, document),
      text: text.slice(start, end),
      totalChars: text.length,
      ...(end < text.length ? { nextCursor: encodeCursor(end) } : {}),
    };
  }

  /** Documents sorted by collection then path, `limit` at a time; `cursor` continues a previous page. */
  listDocuments(request: {
    collection?: string;
    pathPrefix?: string;
    source?: SourceType;
    type?: string;
    limit?: number;
    cursor?: string;
    scope?: Scope;
  }): { documents: DocumentListing[]; nextCursor?: string; total: number } {
    const limit = Math.min(Math.max(1, Math.floor(request.limit ?? 50)), 200);
    const offset = request.cursor ? decodeCursor(request.cursor) : 0;
    const all = this.#targets(request.collection, request.scope).flatMap((c) =>
      c.documents
        .filter(
          (d) =>
            (!request.pathPrefix || d.path.startsWith(request.pathPrefix)) &&
            (!request.source || d.source === request.source) &&
            (!request.type || d.metadata?.type === request.type),
        )
        .sort((a, b) => a.path.localeCompare(b.path))
        .map((d) => listing(c.name, d)),
    );
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? encodeCursor(offset + limit) : undefined;
    return { documents: page, total: all.length, ...(next ? { nextCursor: next } : {}) };
  }
}

function listing(collection: string, d: DocumentRecord): DocumentListing {
  return {
    collection,
    id: d.id,
    path: d.path,
    title: d.title,
    source: d.source,
    ...(d.url ? { url: d.url } : {}),
    ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
    ...(d.metadata?.type ? { type: d.metadata.type } : {}),
    ...(d.metadata?.description ? { description: d.metadata.description } : {}),
  };
}

function truncate(value: string, max = 120): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** An error's message for heartbeat and logs, with AWS resource names (ARNs) masked. */
function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/arn:aws[a-z-]*:[^\s"',;)]*/g, "<arn>");
}

/**
 * Text for callers, without the server's file system paths (a model directory, a data dir, a `scandir` error):
 * absolute paths become `<path>`. URLs and document paths (relative) are kept. The full text goes to the log.
 */
export function pathFree(text: string): string {
  return text.replace(/(?<![\w:/.~-])(?:[A-Za-z]:)?\/[^\s"'`,;:)\]]+/g, "<path>");
}

function makeFilter(c: LoadedCollection, request: SearchRequest): ((label: number) => boolean) | undefined {
  if (!request.pathPrefix && !request.source && !request.type) return undefined;
  return (label) => {
    const doc = c.docsById.get(c.chunks[label]?.docId ?? "");
    return (
      !!doc &&
      (!request.pathPrefix || doc.path.startsWith(request.pathPrefix)) &&
      (!request.source || doc.source === request.source) &&
      (!request.type || doc.metadata?.type === request.type)
    );
  };
}

function toHit(c: LoadedCollection, hit: ScoredLabel, query: string): SearchHit {
  const chunk = c.chunks[hit.label]!;
  const doc = c.docsById.get(chunk.docId)!;
  return {
    collection: c.name,
    docId: doc.id,
    title: doc.title,
    path: doc.path,
    ...(doc.url ? { url: doc.url } : {}),
    source: doc.source,
    heading: chunk.headingPath.join(" › "),
    snippet: makeSnippet(chunk.text, query),
    score: Number(hit.score.toFixed(6)),
    ...(doc.metadata?.type ? { type: doc.metadata.type } : {}),
  };
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeCursor(cursor: string): number {
  try {
    const o = (JSON.parse(Buffer.from(cursor, "base64url").toString()) as { o?: unknown }).o;
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError("the cursor is not valid; pass the nextCursor of a previous page, or none");
}
