/**
 * The collections a reader serves: opens the live version of each published collection, swaps to new versions
 * without a restart (hot swap), refuses versions it cannot use, and says why (degradations).
 */
import { bundleKeys, listPublishedCollections, readPointer, type Manifest, type Pointer } from "./bundle.js";
import { ModelMismatchError, NativeModuleUnavailableError, NotFoundError } from "./errors.js";
import { message, pathFree } from "./messages.js";
import type { IndexCodecs, ModelLoad, ObjectStore, VectorIndex } from "./ports.js";
import {
  STILL_LOADING,
  openRangedVersion,
  provisionalCollection,
  type RangedVersion,
} from "./ranged-version.js";
import type { CollectionSummary, LoadedCollection, Scope } from "./read-model.js";
import { modelOf, openVersion, vectorsUnavailable, type ModelSource } from "./version-reader.js";

/** What a registry reads with: the store, the model (or why none), the codecs, and how often to look. */
export type CollectionRegistryDeps = {
  store: ObjectStore;
  /** How often, at most, `checkForNewVersions` reads the pointers. Default 60; 0 checks on every call. */
  pointerCheckSeconds?: number;
  /**
   * `background`: a collection serves as soon as its documents and keyword index are in, and its vector index
   * loads behind (searches rank by keyword until then, and say so). A server's choice; the default, `wait`,
   * loads everything before the collection serves (a one-off search, an evaluation).
   */
  vectors?: "wait" | "background";
  /**
   * With `background`: how long a hybrid search waits for vector indexes still loading before it ranks by
   * keyword instead (default 0). On Lambda, where a function is frozen between requests and a load moves only
   * while one runs, the first hybrid searches carry the load to its end this way.
   */
  hybridWaitMs?: number;
  /**
   * `ranges`: a collection this process does not serve yet answers keyword searches as soon as its version can
   * be read by range (format 3: a few reads), while its files come in whole; what needs the whole version waits
   * for it (`searchTargets`, `loaded`). A server's choice; the default, `whole`, serves a collection once loaded.
   */
  firstAnswers?: "whole" | "ranges";
} & IndexCodecs &
  /** The model, or its load still under way: collections' keyword indexes load meanwhile. */
  ModelSource;

/** Why a collection ranks by keyword while its vector index loads in the background. */
export const VECTORS_LOADING = "the vector index is still loading; until it is in, searches rank by keyword";

/** What a caller limited to some collections is told when the store cannot be listed. */
const STORE_UNLISTABLE =
  "could not look for new versions (the bundle store could not be listed); serving what is loaded";

/** A collection's first load: its version read by range meanwhile, the whole load's end, and its start. */
interface Pending {
  ranged: RangedVersion;
  loaded: Promise<void>;
  /** Starts the whole load now (if it has not started). */
  start(): void;
}

/**
 * How long after a collection opens by range its whole load starts, unless a search's hits are read first or
 * something needs the whole version: its downloads would otherwise compete with the first answer's reads
 * (against the S3 emulator, a first answer took 0.2-0.3 s with the whole files streaming beside it, 0.1 s
 * without).
 */
export const WHOLE_LOAD_DELAY_MS = 500;

export class CollectionRegistry {
  readonly #collections = new Map<string, LoadedCollection>();
  readonly #pending = new Map<string, Pending>();
  readonly #failures = new Map<string, string>();
  #lastCheck = 0;
  #checking: Promise<void> | undefined;

  readonly #model: Promise<ModelLoad>;

  constructor(private readonly deps: CollectionRegistryDeps) {
    this.#model = modelOf(deps);
  }

  /**
   * Swaps to newly published versions without a restart: reads the pointers at most every
   * `pointerCheckSeconds`, loads and verifies a new version, and only then replaces the old one. A version that
   * fails to load, or was built with another model than this process embeds with, is refused: the version in
   * use keeps serving and `degradations()` says why. Searches in flight keep the version they started with.
   */
  async checkForNewVersions(now: number = Date.now(), force = false): Promise<void> {
    if (!force && now - this.#lastCheck < (this.deps.pointerCheckSeconds ?? 60) * 1000) return;
    this.#checking ??= this.#check(now).finally(() => (this.#checking = undefined));
    await this.#checking;
  }

  async #check(now: number): Promise<void> {
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
    // Its first load is under way (and answering by range meanwhile): the next check looks again.
    if (this.#pending.has(name)) return;
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
    if (pointer.version === current?.manifest.version) {
      // A vector index whose load failed (say, a download cut off) is tried again at each check.
      if (current.retryVectors && !current.vectorsLoading) this.#loadVectors(current, current.retryVectors);
      await this.#checkLiveFiles(name, current);
      return;
    }
    if (!current && this.deps.firstAnswers === "ranges") return this.#firstLoad(name, pointer);
    try {
      const loaded = await this.#load(name, pointer);
      if (current?.vectors && loaded.mismatch) {
        throw new ModelMismatchError(`refused version ${pointer.version}: ${loaded.mismatch}`);
      }
      // A swap waits for the new version's vectors: the one serving keeps answering in hybrid meanwhile.
      if (current) await loaded.collection.vectorsLoading;
      if (current?.vectors && !loaded.collection.vectors) {
        throw new Error(`refused version ${pointer.version}: ${loaded.collection.semanticUnavailable}`);
      }
      this.#collections.set(name, loaded.collection);
      this.#failures.delete(name);
    } catch (error) {
      const serving = current ? `; still serving ${current.manifest.version}` : "";
      this.#failures.set(name, `${message(error)}${serving}`);
    }
  }

  /**
   * A collection's first load in this process: its files come in whole, and meanwhile, when the version can be
   * read by range, it answers keyword searches from ranges (returning as soon as it can). A version that cannot
   * be read so, or whose ranges fail to open, is simply awaited whole.
   */
  async #firstLoad(name: string, pointer: Pointer): Promise<void> {
    const ranged = await openRangedVersion(this.deps.store, name, pointer, this.deps).catch(() => undefined);
    let start = () => {};
    const started = new Promise<void>((resolve) => (start = resolve));
    const loaded = started
      .then(() => this.#load(name, pointer))
      .then(
        (done) => {
          this.#collections.set(name, done.collection);
          this.#failures.delete(name);
        },
        (error: unknown) => void this.#failures.set(name, message(error)),
      )
      .finally(() => this.#pending.delete(name));
    // Not readable by range (an older format): the whole load is all there is.
    if (!ranged) {
      start();
      return loaded;
    }
    const timer = setTimeout(start, WHOLE_LOAD_DELAY_MS);
    timer.unref();
    this.#pending.set(name, {
      ranged,
      loaded,
      start: () => {
        clearTimeout(timer);
        start();
      },
    });
  }

  /** Settles once every collection's first load under way has ended (loaded, or failed and reported). */
  async loaded(): Promise<void> {
    const pending = [...this.#pending.values()];
    for (const p of pending) p.start();
    await Promise.all(pending.map((p) => p.loaded));
  }

  /**
   * The collections a search reads (`collection`, or every one `scope` may see): loaded ones as they are, and
   * one still on its first load as this query sees it by range, unless the search needs its whole version
   * (`whole`): then, or when reading its ranges fails, it waits for the load.
   */
  async searchTargets(
    collection: string | undefined,
    scope: Scope,
    query: string,
    whole: boolean,
  ): Promise<LoadedCollection[]> {
    const pending = this.#pendingIn(scope);
    const names = collection ? [collection] : [...this.collectionNames(scope), ...pending.keys()].sort();
    return Promise.all(
      names.map(async (name) => {
        const first = pending.get(name);
        if (!first) return this.collection(name, scope);
        if (!whole) {
          // Once this search's hits are read, the whole load need not wait any longer.
          const provisional = await provisionalCollection(name, first.ranged, query, first.start).catch(
            () => undefined,
          );
          if (provisional) return provisional;
        }
        first.start();
        await first.loaded;
        return this.collection(name, scope);
      }),
    );
  }

  /**
   * The live version's files are still in the store (one listing of its folder): the copy in memory keeps
   * serving when they are gone, but heartbeat says so, since no other process, nor this one after a restart,
   * could load it.
   */
  async #checkLiveFiles(name: string, current: LoadedCollection): Promise<void> {
    const { version, files } = current.manifest;
    let present: string[];
    try {
      present = await this.deps.store.list(bundleKeys.versionPrefix(name, version));
    } catch (error) {
      this.#failures.set(name, `could not check version ${version}'s files: ${message(error)}`);
      return;
    }
    const prefix = bundleKeys.versionPrefix(name, version);
    const have = new Set(present.map((key) => key.slice(prefix.length)));
    const missing = ["manifest.json", ...Object.keys(files)].filter((f) => !have.has(f));
    if (missing.length)
      this.#failures.set(
        name,
        `the live version ${version} has files missing from the store (${missing.join(", ")}); serving the copy loaded in memory, which a restart cannot load: publish again or roll back`,
      );
    else this.#failures.delete(name);
  }

  async #load(name: string, pointer: Pointer): Promise<{ collection: LoadedCollection; mismatch?: string }> {
    const background = this.deps.vectors === "background";
    const opened = await openVersion(this.deps.store, name, pointer, {
      ...this.deps,
      model: this.#model,
      deferVectors: background,
    });
    const { manifest, documents, chunks, documentText, keyword, vectors, semanticUnavailable, mismatch } =
      opened;
    const collection: LoadedCollection = {
      name,
      manifest,
      documents,
      chunks,
      documentText,
      keyword: keyword!,
      ...(vectors ? { vectors } : {}),
      ...(semanticUnavailable ? { semanticUnavailable } : {}),
      docsById: new Map(documents.map((d) => [d.id, d])),
      docsByPath: new Map(documents.map((d) => [d.path, d])),
      loadTimings: opened.timings,
    };
    if (opened.loadVectors) this.#loadVectors(collection, opened.loadVectors);
    return { collection, ...(mismatch ? { mismatch } : {}) };
  }

  /**
   * Loads a collection's vector index behind its keyword index: until it is in, `semanticUnavailable` says so
   * and `vectorsLoading` is pending. A failure is reported the same way and, unless hnswlib cannot load here at
   * all, tried again at the next check.
   */
  #loadVectors(collection: LoadedCollection, load: () => Promise<VectorIndex>): void {
    const started = performance.now();
    collection.semanticUnavailable = VECTORS_LOADING;
    delete collection.retryVectors;
    collection.vectorsLoading = load()
      .then(
        (vectors) => {
          collection.vectors = vectors;
          delete collection.semanticUnavailable;
          collection.loadTimings.vectorsMs = Math.round(performance.now() - started);
        },
        (error: unknown) => {
          const retry = !(error instanceof NativeModuleUnavailableError);
          collection.semanticUnavailable = `${vectorsUnavailable(error)}${retry ? "; trying again at the next check" : ""}`;
          if (retry) collection.retryVectors = load;
        },
      )
      .finally(() => delete collection.vectorsLoading);
  }

  /** See CollectionRegistryDeps.hybridWaitMs. */
  get hybridWaitMs(): number {
    return this.deps.hybridWaitMs ?? 0;
  }

  /** Per collection: how long its live version took to fetch and to load. */
  loadTimings(): Record<string, LoadedCollection["loadTimings"]> {
    return Object.fromEntries([...this.#collections].map(([name, c]) => [name, c.loadTimings]));
  }

  collectionNames(scope?: Scope): string[] {
    return [...this.#collections.keys()].filter((name) => !scope || scope.has(name)).sort();
  }

  /**
   * Collections that are published but could not be loaded, with the reason. A failure to list the store
   * ("*") is every caller's concern, but its text may name any collection or a server path: a caller limited to
   * some collections gets a generic line instead.
   */
  failures(scope?: Scope): { collection: string; reason: string }[] {
    return [...this.#failures]
      .filter(([name]) => name === "*" || !scope || scope.has(name))
      .map(([collection, reason]) => ({
        collection,
        reason: collection === "*" && scope ? STORE_UNLISTABLE : reason,
      }));
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

  /** The named collection, or every collection `scope` may see. */
  targets(collection: string | undefined, scope: Scope): LoadedCollection[] {
    if (collection) return [this.collection(collection, scope)];
    return this.collectionNames(scope).map((name) => this.#collections.get(name)!);
  }

  listCollections(scope?: Scope): CollectionSummary[] {
    // A vector index still loading counts: hybrid answers meanwhile (by keyword, saying so), semantic waits; so
    // does a collection still on its first load whose version has vectors.
    const loaded = this.targets(undefined, scope).map((c) =>
      summary(c.name, c.manifest, c.documents.length, c.chunks.length, !!(c.vectors || c.vectorsLoading)),
    );
    const loading = [...this.#pendingIn(scope)].map(([name, { ranged }]) => {
      const { manifest } = ranged;
      return summary(name, manifest, manifest.counts.documents, manifest.counts.chunks, !!manifest.model);
    });
    return [...loaded, ...loading].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The collections still on their first load that `scope` may see. */
  #pendingIn(scope: Scope): Map<string, Pending> {
    return new Map([...this.#pending].filter(([name]) => !scope || scope.has(name)));
  }

  /**
   * Reasons some search modes are off, one line per collection, path-free for callers. Empty when everything is
   * available. `degradationDetails()` has the same lines with paths, for the log.
   */
  degradations(scope?: Scope): string[] {
    return this.degradationDetails(scope).map(pathFree);
  }

  degradationDetails(scope?: Scope): string[] {
    const lines = this.targets(undefined, scope)
      .filter((c) => c.semanticUnavailable)
      .map((c) => `${c.name}: keyword search only: ${c.semanticUnavailable}`);
    const loading = [...this.#pendingIn(scope).keys()].map(
      (name) => `${name}: keyword search only: ${STILL_LOADING}`,
    );
    return [
      ...lines,
      ...loading,
      ...this.failures(scope).map((f) =>
        this.#collections.has(f.collection)
          ? `${f.collection}: ${f.reason}`
          : `${f.collection}: not loaded: ${f.reason}`,
      ),
    ];
  }
}

/** What listings say of a collection. */
function summary(
  name: string,
  manifest: Manifest,
  documents: number,
  chunks: number,
  semantic: boolean,
): CollectionSummary {
  const { source } = manifest;
  return {
    name,
    version: manifest.version,
    builtAt: manifest.builtAt,
    documents,
    chunks,
    model: manifest.model?.id ?? null,
    modes: semantic ? ["hybrid", "semantic", "keyword"] : ["keyword"],
    // A local folder's origin is a path on the server: callers learn only that it is a folder.
    source: source.type === "local" ? { type: "local", origin: "a local folder" } : source,
  };
}
