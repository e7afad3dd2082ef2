/**
 * The read side, used by the MCP server and the `thoth search` command: the collection registry (loading and
 * hot swap), search, and documents, joined. Callers hold a scoped view (`forScope`), made once per request
 * from the API key's allowlist, so no read can forget it.
 */
import { CollectionRegistry, type CollectionRegistryDeps } from "./collection-registry.js";
import {
  documentPage,
  findDocument,
  listDocuments,
  type DocumentRef,
  type ListRequest,
} from "./documents.js";
import type { Embedder } from "./ports.js";
import type { CollectionSummary, DocumentPage, Scope, SearchRequest, SearchResponse } from "./read-model.js";
import { rankDocuments, searchCollections } from "./search.js";
import type { SearchMode } from "../../shared/types.js";

export * from "./read-model.js";
export { pathFree } from "./messages.js";
export type KnowledgeBaseDeps = CollectionRegistryDeps;

/** What one caller may read: every method applies the scope it was made with. */
export class ScopedKnowledgeBase {
  constructor(
    private readonly kb: KnowledgeBase,
    readonly scope: Scope,
  ) {}

  search(request: Omit<SearchRequest, "scope">): Promise<SearchResponse> {
    return this.kb.search({ ...request, scope: this.scope });
  }

  getDocument(ref: DocumentRef & { collection?: string }) {
    return this.kb.getDocument({ ...ref, scope: this.scope });
  }

  getDocumentPage(
    ref: DocumentRef & { collection?: string; cursor?: string; maxChars?: number },
  ): DocumentPage {
    return this.kb.getDocumentPage({ ...ref, scope: this.scope });
  }

  listDocuments(request: ListRequest & { collection?: string }) {
    return this.kb.listDocuments({ ...request, scope: this.scope });
  }

  listCollections(): CollectionSummary[] {
    return this.kb.listCollections(this.scope);
  }

  collectionNames(): string[] {
    return this.kb.collectionNames(this.scope);
  }

  degradations(): string[] {
    return this.kb.degradations(this.scope);
  }

  failures() {
    return this.kb.failures(this.scope);
  }

  /** The model queries are embedded with (not scoped: it is the server's). */
  get embedder(): Embedder | null {
    return this.kb.embedder;
  }
}

export class KnowledgeBase {
  private constructor(
    private readonly registry: CollectionRegistry,
    private readonly deps: KnowledgeBaseDeps,
  ) {}

  /** Loads the live version of every published collection. A collection that fails to load is reported, not fatal. */
  static async open(deps: KnowledgeBaseDeps): Promise<KnowledgeBase> {
    const registry = new CollectionRegistry(deps);
    await registry.checkForNewVersions(Date.now(), true);
    return new KnowledgeBase(registry, deps);
  }

  get embedder(): Embedder | null {
    return this.deps.embedder;
  }

  /** The view one caller gets: `scope` is its key's allowlist (undefined: every collection). */
  forScope(scope: Scope): ScopedKnowledgeBase {
    return new ScopedKnowledgeBase(this, scope);
  }

  /** See CollectionRegistry.checkForNewVersions: hot swap, at most every `pointerCheckSeconds`. */
  checkForNewVersions(now: number = Date.now()): Promise<void> {
    return this.registry.checkForNewVersions(now);
  }

  loadTimings() {
    return this.registry.loadTimings();
  }

  collectionNames(scope?: Scope): string[] {
    return this.registry.collectionNames(scope);
  }

  failures(scope?: Scope) {
    return this.registry.failures(scope);
  }

  collection(name: string, scope?: Scope) {
    return this.registry.collection(name, scope);
  }

  listCollections(scope?: Scope): CollectionSummary[] {
    return this.registry.listCollections(scope);
  }

  degradations(scope?: Scope): string[] {
    return this.registry.degradations(scope);
  }

  degradationDetails(scope?: Scope): string[] {
    return this.registry.degradationDetails(scope);
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return searchCollections(
      this.registry.targets(request.collection, request.scope),
      request,
      this.deps.embedder,
    );
  }

  /** For evaluation (`npm run eval`): a collection's documents ranked for a query. */
  rankDocuments(request: {
    collection: string;
    query: string;
    mode: SearchMode;
    depth: number;
  }): Promise<string[]> {
    return rankDocuments(this.registry.collection(request.collection), request, this.deps.embedder);
  }

  /** A document by id or by path; with no collection given, every visible collection is searched. */
  getDocument(ref: DocumentRef & { collection?: string; scope?: Scope }) {
    return findDocument(this.registry.targets(ref.collection, ref.scope), ref);
  }

  getDocumentPage(
    ref: DocumentRef & { collection?: string; scope?: Scope; cursor?: string; maxChars?: number },
  ): DocumentPage {
    return documentPage(this.registry.targets(ref.collection, ref.scope), ref);
  }

  listDocuments(request: ListRequest & { collection?: string; scope?: Scope }) {
    return listDocuments(this.registry.targets(request.collection, request.scope), request);
  }
}
