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
import type { Embedder, ModelLoad } from "./ports.js";
import {
  MAX_COMPLETIONS,
  type CollectionSummary,
  type DocumentPage,
  type Scope,
  type SearchRequest,
  type SearchResponse,
} from "./read-model.js";
import { needsWholeVersions, rankDocuments, searchCollections } from "./search.js";
import { modelOf } from "./version-reader.js";
import type { SearchMode } from "../../shared/types.js";

export type KnowledgeBaseDeps = CollectionRegistryDeps & {
  /**
   * `background`: open without waiting for a model still loading; keyword searches answer meanwhile, hybrid and
   * semantic ones wait for it (a server's first keyword answer need not wait for the model). Default `wait`.
   */
  modelWait?: "wait" | "background";
};

/** The model as the knowledge base holds it: `loading` starts an on-demand load; `current()` once it is in. */
interface ModelState {
  readonly loading: Promise<ModelLoad>;
  current(): ModelLoad | undefined;
}

function modelState(source: Promise<ModelLoad> & { peek?: () => ModelLoad | undefined }): ModelState {
  let current: ModelLoad | undefined;
  let loading: Promise<ModelLoad> | undefined;
  return {
    get loading() {
      return (loading ??= source.then((model) => (current = model)));
    },
    // An on-demand load another reader started (a version's whole load) counts too.
    current: () => current ?? source.peek?.(),
  };
}

/** Why heartbeat says the model is not in yet. */
export const MODEL_LOADING =
  "embedding model: still loading; keyword searches answer meanwhile, hybrid and semantic ones wait for it";

/**
 * What one caller may read: every read applies the scope the view was made with. The KnowledgeBase itself is
 * the view of everything (the CLI, evaluation, the server's own logs); `forScope` narrows it per request.
 */
export class ScopedKnowledgeBase {
  constructor(
    protected readonly registry: CollectionRegistry,
    /** The model queries are embedded with (not scoped: it is the server's). */
    protected readonly model: ModelState,
    readonly scope: Scope,
  ) {}

  /** The model queries are embedded with: null without one, or while it is still loading. */
  get embedder(): Embedder | null {
    return this.model.current()?.embedder ?? null;
  }

  async search(request: Omit<SearchRequest, "scope">): Promise<SearchResponse> {
    const { hybridWaitMs } = this.registry;
    // A keyword search does not need the model; any other (and one whose mode the model decides) waits for it.
    const embedder =
      request.mode === "keyword"
        ? this.embedder
        : (this.model.current() ?? (await this.model.loading)).embedder;
    const whole = needsWholeVersions(request, embedder, hybridWaitMs);
    const targets = await this.registry.searchTargets(request.collection, this.scope, request.query, whole);
    return searchCollections(targets, { ...request, scope: this.scope }, embedder, hybridWaitMs);
  }

  /**
   * Settles once every collection still on its first load is in (or failed): what a search does not read by
   * range (documents, listings, completions) waits for it. At once when nothing is loading.
   */
  loaded(): Promise<void> {
    return this.registry.loaded();
  }

  /** A document by id or by path; with no collection given, every visible collection is searched. */
  getDocument(ref: DocumentRef & { collection?: string }) {
    return findDocument(this.registry.targets(ref.collection, this.scope), ref);
  }

  getDocumentPage(
    ref: DocumentRef & { collection?: string; cursor?: string; maxChars?: number },
  ): DocumentPage {
    return documentPage(this.registry.targets(ref.collection, this.scope), ref);
  }

  listDocuments(request: ListRequest & { collection?: string }) {
    return listDocuments(this.registry.targets(request.collection, this.scope), request);
  }

  listCollections(): CollectionSummary[] {
    return this.registry.listCollections(this.scope);
  }

  collectionNames(): string[] {
    return this.registry.collectionNames(this.scope);
  }

  collection(name: string) {
    return this.registry.collection(name, this.scope);
  }

  /** Completion: the collection names this caller may read that start with `prefix`. */
  completeCollection(prefix: string): string[] {
    return this.collectionNames()
      .filter((name) => name.startsWith(prefix))
      .slice(0, MAX_COMPLETIONS);
  }

  /**
   * Completion: ids (and, with `paths`, paths) starting with `prefix` of the documents this caller may read, in
   * `collection` when it is one of theirs, else in all of them.
   */
  completeDocument(
    prefix: string,
    options: { collection?: string | undefined; paths?: boolean } = {},
  ): string[] {
    const names = this.collectionNames();
    const out: string[] = [];
    for (const name of options.collection && names.includes(options.collection)
      ? [options.collection]
      : names) {
      for (const d of this.collection(name).documents) {
        if (d.id.startsWith(prefix)) out.push(d.id);
        else if (options.paths && d.path.startsWith(prefix)) out.push(d.path);
        if (out.length >= MAX_COMPLETIONS) return out;
      }
    }
    return out;
  }

  degradations(): string[] {
    return [...(this.model.current() ? [] : [MODEL_LOADING]), ...this.registry.degradations(this.scope)];
  }

  degradationDetails(): string[] {
    return this.registry.degradationDetails(this.scope);
  }

  failures() {
    return this.registry.failures(this.scope);
  }
}

/** Every published collection, unscoped, with the registry's hot swap; `forScope` gives a caller its view. */
export class KnowledgeBase extends ScopedKnowledgeBase {
  /** Loads the live version of every published collection. A collection that fails to load is reported, not fatal. */
  static async open(deps: KnowledgeBaseDeps): Promise<KnowledgeBase> {
    const registry = new CollectionRegistry(deps);
    // The model, when still loading, loads while the collections do; in the background, one loaded on demand
    // starts when something needs it.
    const source = modelOf(deps);
    const state = modelState(source);
    if (deps.modelWait !== "background" || !("peek" in source)) void state.loading;
    await Promise.all([
      registry.checkForNewVersions(Date.now(), true),
      deps.modelWait === "background" ? undefined : state.loading,
    ]);
    return new KnowledgeBase(registry, state, undefined);
  }

  /** The view one caller gets: `scope` is its key's allowlist (undefined: every collection). */
  forScope(scope: Scope): ScopedKnowledgeBase {
    return new ScopedKnowledgeBase(this.registry, this.model, scope);
  }

  /** Settles once the model is loaded (or known to be unavailable). */
  async modelLoaded(): Promise<void> {
    await this.model.loading;
  }

  /** See CollectionRegistry.checkForNewVersions: hot swap, at most every `pointerCheckSeconds`. */
  checkForNewVersions(now: number = Date.now()): Promise<void> {
    return this.registry.checkForNewVersions(now);
  }

  loadTimings() {
    return this.registry.loadTimings();
  }

  /** For evaluation (`npm run eval`): a collection's documents ranked for a query. */
  rankDocuments(request: {
    collection: string;
    query: string;
    mode: SearchMode;
    depth: number;
  }): Promise<string[]> {
    return rankDocuments(this.registry.collection(request.collection), request, this.embedder);
  }
}
