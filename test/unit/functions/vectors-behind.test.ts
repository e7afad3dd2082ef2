import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleKeys } from "../../../functions/core/bundle.js";
import { VECTORS_LOADING } from "../../../functions/core/collection-registry.js";
import { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { LAMBDA_HYBRID_WAIT_MS, hybridWaitMs } from "../../../functions/mcp-server/app.js";
import { refreshCollection } from "../../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../../functions/refresh/sources/local.js";
import { FsObjectStore } from "../../../functions/adapters/local/fs-object-store.js";
import type { ModelLoad, VectorIndexCodec } from "../../../functions/core/ports.js";
import { exactVectorCodec } from "../../helpers/exact-vectors.js";
import { HashingEmbedder } from "../../helpers/fake-embedder.js";
import { folderWith, tempDir } from "../../helpers/folders.js";
import { unitCodecs as codecs } from "../../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

const PAGES = {
  "a.md": "# Alpha\n\nThe alpha page talks about rotating the on-call pager.",
  "b.md": "# Bravo\n\nThe bravo page is about expense receipts.",
};

/** A store whose vector index downloads, after `close()`, wait until `open()` (or fail, with `fail`), like a slow S3 GET. */
class GatedStore extends MemoryObjectStore {
  #gate = gate(true);
  vectorReads = 0;
  fail?: Error;

  open(): void {
    this.#gate.open();
  }

  close(): void {
    this.#gate = gate();
  }

  override async get(key: string): Promise<Uint8Array | undefined> {
    if (key.endsWith("/vectors.hnsw")) {
      this.vectorReads++;
      await this.#gate.opened;
      if (this.fail) throw this.fail;
    }
    return super.get(key);
  }
}

function gate(open = false): { opened: Promise<void>; open(): void } {
  let resolve = () => {};
  const opened = new Promise<void>((r) => (resolve = r));
  if (open) resolve();
  return { opened, open: resolve };
}

async function publish(store: MemoryObjectStore, pages: Record<string, string> = PAGES) {
  return refreshCollection(
    { store, embedder: new HashingEmbedder(), ...codecs },
    { collection: "docs", source: new LocalFolderSource(await folderWith(pages)) },
  );
}

async function openBehind(store: MemoryObjectStore, pointerCheckSeconds = 60, hybridWaitMs = 0) {
  return KnowledgeBase.open({
    store,
    embedder: new HashingEmbedder(),
    ...codecs,
    vectors: "background",
    pointerCheckSeconds,
    hybridWaitMs,
  });
}

describe("the vector index loads behind the keyword index (vectors: background)", () => {
  it("answers by keyword before the vectors are in, says so in the answer and in degradations, then goes hybrid", async () => {
    const store = new GatedStore();
    await publish(store);
    store.close();
    store.vectorReads = 0;
    const kb = await openBehind(store);
    // Open returned although the vector index has not arrived.
    expect(store.vectorReads).toBe(1);
    const collection = kb.collection("docs");
    expect(collection.vectors).toBeUndefined();
    expect(kb.degradations()).toEqual([`docs: keyword search only: ${VECTORS_LOADING}`]);
    // Every mode can be asked for: hybrid answers (by keyword, for now), semantic waits.
    expect(kb.listCollections()[0]!.modes).toEqual(["hybrid", "semantic", "keyword"]);

    const early = await kb.search({ query: "on-call pager", mode: "hybrid" });
    expect(early.mode).toBe("keyword");
    expect(early.results[0]!.path).toBe("a.md");
    expect(early.notices).toEqual([`hybrid search fell back to keyword mode: ${VECTORS_LOADING}`]);

    // A semantic search cannot rank without vectors: it waits for them rather than failing.
    let semanticDone = false;
    const semantic = kb.search({ query: "expense receipts", mode: "semantic" }).then((r) => {
      semanticDone = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(semanticDone).toBe(false);

    store.open();
    await collection.vectorsLoading;
    expect((await semantic).mode).toBe("semantic");
    expect((await semantic).results.length).toBeGreaterThan(0);
    const later = await kb.search({ query: "on-call pager", mode: "hybrid" });
    expect(later).toMatchObject({ mode: "hybrid", notices: [] });
    expect(kb.degradations()).toEqual([]);
    expect(kb.listCollections()[0]!.modes).toEqual(["hybrid", "semantic", "keyword"]);
    expect(kb.loadTimings().docs!.vectorsMs).toBeGreaterThanOrEqual(0);
  });

  it("without `background`, open waits for the vectors (a one-off search, an evaluation)", async () => {
    const store = new GatedStore();
    await publish(store);
    store.close();
    let opened = false;
    const opening = KnowledgeBase.open({ store, embedder: new HashingEmbedder(), ...codecs }).then((kb) => {
      opened = true;
      return kb;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(opened).toBe(false);
    store.open();
    const kb = await opening;
    expect(kb.collection("docs").vectors).toBeDefined();
    expect(kb.loadTimings().docs!.vectorsMs).toBeGreaterThanOrEqual(0);
  });

  it("reports a vector download that fails, keeps answering by keyword, and tries again at the next check", async () => {
    const store = new GatedStore();
    await publish(store);
    store.fail = new Error("socket hang up");
    store.vectorReads = 0;
    const kb = await openBehind(store, 60);
    await kb.collection("docs").vectorsLoading;
    expect(kb.degradations()).toEqual([
      "docs: keyword search only: the vector index could not be loaded: socket hang up; trying again at the next check",
    ]);
    expect(kb.listCollections()[0]!.modes).toEqual(["keyword"]);
    expect((await kb.search({ query: "receipts", mode: "hybrid" })).results[0]!.path).toBe("b.md");
    // A semantic search does not wait for a retry nobody started: it says why it cannot run.
    await expect(kb.search({ query: "receipts", mode: "semantic" })).rejects.toThrow(/socket hang up/);

    delete store.fail;
    await kb.checkForNewVersions(Date.now() + 61_000);
    expect(store.vectorReads).toBe(2);
    await kb.collection("docs").vectorsLoading;
    expect(kb.collection("docs").vectors).toBeDefined();
    expect(kb.degradations()).toEqual([]);
  });

  it("swaps to a new version only once its vectors are in: the serving one keeps answering in hybrid", async () => {
    const store = new GatedStore();
    const v1 = await publish(store);
    const kb = await openBehind(store, 0);
    await kb.collection("docs").vectorsLoading;
    const v2 = await publish(store, { ...PAGES, "c.md": "# Charlie\n\nThe charlie page covers laptops." });
    store.close();

    const check = kb.checkForNewVersions();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(kb.listCollections()[0]!.version).toBe(v1.version);
    expect(await kb.search({ query: "pager", mode: "hybrid" })).toMatchObject({
      mode: "hybrid",
      notices: [],
    });

    store.open();
    await check;
    expect(kb.listCollections()[0]).toMatchObject({ version: v2.version, documents: 3 });
    expect(kb.collection("docs").vectors).toBeDefined();
  });

  it("refuses a new version whose vector index fails its checksum, while the current one has vectors", async () => {
    const store = new GatedStore();
    const v1 = await publish(store);
    const kb = await openBehind(store, 0);
    await kb.collection("docs").vectorsLoading;
    const v2 = await publish(store, { ...PAGES, "c.md": "# Charlie\n\nThe charlie page covers laptops." });
    const key = bundleKeys.file("docs", v2.version, "vectors.hnsw");
    store.objects.set(key, new Uint8Array(store.objects.get(key)!).fill(7, 0, 16));

    await kb.checkForNewVersions();
    expect(kb.listCollections()[0]!.version).toBe(v1.version);
    expect(kb.degradations()).toEqual([
      expect.stringMatching(
        new RegExp(
          `refused version ${v2.version}: .*vectors.hnsw fails its checksum.*still serving ${v1.version}`,
        ),
      ),
    ]);
    expect((await kb.search({ query: "pager", mode: "hybrid" })).mode).toBe("hybrid");
  });

  it("in a search across collections, names the one ranked by keyword only while the other is hybrid", async () => {
    const store = new GatedStore();
    await publish(store);
    await refreshCollection(
      { store, embedder: new HashingEmbedder(), ...codecs },
      {
        collection: "other",
        source: new LocalFolderSource(await folderWith({ "x.md": "# X\n\nPager duty." })),
      },
    );
    const kb = await openBehind(store);
    await kb.collection("docs").vectorsLoading;
    await kb.collection("other").vectorsLoading;
    // "other" lost its vectors for good (say, it was refused for another model): named, not hidden.
    delete kb.collection("other").vectors;
    kb.collection("other").semanticUnavailable = "the bundle was built without an embedding model";
    const response = await kb.search({ query: "pager", mode: "hybrid" });
    expect(response.mode).toBe("hybrid");
    expect(response.notices).toEqual([
      `"other" was ranked by keyword only: the bundle was built without an embedding model`,
    ]);
  });

  it("loads the vector index from the store's own file where it has one, not from a copy", async () => {
    const store = new FsObjectStore(await tempDir());
    await refreshCollection(
      { store, embedder: new HashingEmbedder(), ...codecs },
      { collection: "docs", source: new LocalFolderSource(await folderWith(PAGES)) },
    );
    const sources: string[] = [];
    const vectorCodec: VectorIndexCodec = {
      ...exactVectorCodec,
      load: (source, dimensions) => {
        sources.push(source instanceof Uint8Array ? "bytes" : relative(store.root, source.file));
        return exactVectorCodec.load(source, dimensions);
      },
    };
    const kb = await KnowledgeBase.open({
      store,
      embedder: new HashingEmbedder(),
      ...codecs,
      vectorCodec,
      vectors: "background",
    });
    await kb.collection("docs").vectorsLoading;
    const { version } = kb.listCollections()[0]!;
    expect(sources).toEqual([bundleKeys.file("docs", version, "vectors.hnsw")]);
    expect((await kb.search({ query: "pager", mode: "semantic" })).results.length).toBeGreaterThan(0);
  });

  it("reads the collections while the model is still loading, and decides on vectors once it is in", async () => {
    const store = new GatedStore();
    await publish(store);
    const read: string[] = [];
    const get = store.get.bind(store);
    store.get = async (key) => (read.push(key.split("/").pop()!), get(key));
    let loaded: (model: ModelLoad) => void = () => {};
    const model = new Promise<ModelLoad>((resolve) => (loaded = resolve));
    const opening = KnowledgeBase.open({ store, ...codecs, model, vectors: "background" });
    // Turns of the event loop, not time: the keyword index arrives with the model still pending.
    for (let turn = 0; turn < 1000 && !read.includes("keyword.bin"); turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(read).toContain("keyword.bin");
    expect(read).not.toContain("vectors.hnsw");
    loaded({ embedder: new HashingEmbedder() });
    const kb = await opening;
    await kb.collection("docs").vectorsLoading;
    expect(kb.collection("docs").vectors).toBeDefined();
    expect(kb.embedder?.modelId).toBe(new HashingEmbedder().modelId);
    expect((await kb.search({ query: "pager", mode: "semantic" })).mode).toBe("semantic");
  });

  it("with hybridWaitMs (Lambda), a hybrid search waits for the vectors and answers in hybrid", async () => {
    const store = new GatedStore();
    await publish(store);
    store.close();
    const kb = await openBehind(store, 60, 600_000);
    // A keyword search does not wait.
    expect((await kb.search({ query: "pager", mode: "keyword" })).results[0]!.path).toBe("a.md");
    let answered = false;
    const hybrid = kb.search({ query: "pager", mode: "hybrid" }).then((r) => ((answered = true), r));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    store.open();
    expect(await hybrid).toMatchObject({ mode: "hybrid", notices: [] });
  });

  it("with hybridWaitMs, a hybrid search whose vectors take longer ranks by keyword when the wait is over", async () => {
    const store = new GatedStore();
    await publish(store);
    store.close();
    const kb = await openBehind(store, 60, 5);
    const response = await kb.search({ query: "pager", mode: "hybrid" });
    expect(response.mode).toBe("keyword");
    expect(response.notices).toEqual([`hybrid search fell back to keyword mode: ${VECTORS_LOADING}`]);
    store.open();
    await kb.collection("docs").vectorsLoading;
    expect((await kb.search({ query: "pager", mode: "hybrid" })).mode).toBe("hybrid");
  });

  it("waits so on Lambda only, where the runtime names the function", () => {
    expect(hybridWaitMs({ AWS_LAMBDA_FUNCTION_NAME: "thoth-dev-mcp" })).toBe(LAMBDA_HYBRID_WAIT_MS);
    expect(LAMBDA_HYBRID_WAIT_MS).toBeLessThan(29_000);
    expect(hybridWaitMs({})).toBe(0);
  });
});
