import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { loadTransformersEmbedder } from "../../functions/adapters/ml/transformers-embedder.js";
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT_VERSION,
  loadVersion,
  readPointer,
} from "../../functions/core/bundle.js";
import { listVersions } from "../../functions/core/bundle-versions.js";
import { ConcurrentPublishError } from "../../functions/core/errors.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import type { Embedder } from "../../functions/core/ports.js";
import { RefreshError, refreshCollection } from "../../functions/refresh/pipeline.js";
import { type RefreshSummary } from "../../functions/refresh/refresh-types.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK, folderWith, tempDir } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

/** Questions a new employee would ask, and the page that answers each. */
const QUESTIONS: [string, string][] = [
  ["how do I roll back a bad deploy", "deploys/rollback.md"],
  ["how many vacation days do I get per year", "people/time-off.md"],
  ["budget for a keyboard and monitor at home", "security/laptop-and-devices.md"],
  ["blameless postmortem after an outage", "incidents/postmortems.md"],
  ["how do I get reimbursed for receipts", "people/expenses.md"],
  ["connect to the guest wifi password", "operations/legacy-office-network.html"],
];

describe("index pipeline over the sample handbook with the tiny model", () => {
  let embedder: Embedder;
  let store: FsObjectStore;
  let summary: RefreshSummary;
  let kb: KnowledgeBase;

  beforeAll(async () => {
    embedder = await loadTransformersEmbedder({ modelDir: await tinyModelDir(), modelId: "thoth/tiny" });
    store = new FsObjectStore(await tempDir());
    summary = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK) },
    );
    kb = await KnowledgeBase.open({ store, embedder, ...codecs });
  });

  it("indexes every page and embeds every chunk", () => {
    expect(summary).toMatchObject({ collection: "handbook", model: "thoth/tiny", documentsSkipped: 0 });
    expect(summary.documentsSeen).toBeGreaterThanOrEqual(40);
    expect(summary.documentsIndexed).toBe(summary.documentsSeen);
    expect(summary.chunksEmbedded).toBe(summary.chunks);
    expect(summary.chunks).toBeGreaterThan(summary.documentsIndexed);
  });

  it("publishes a manifest that describes the bundle", async () => {
    const pointer = (await readPointer(store, "handbook"))!;
    expect(pointer.version).toBe(summary.version);
    const { manifest } = await loadVersion(store, "handbook", pointer);
    expect(manifest).toMatchObject({
      formatVersion: BUNDLE_FORMAT_VERSION,
      model: { id: "thoth/tiny", dimensions: 64, space: "cosine" },
      counts: { documents: summary.documentsIndexed, chunks: summary.chunks, skipped: 0 },
      source: { type: "local", origin: SAMPLE_HANDBOOK },
    });
    expect(Object.keys(manifest.files).sort()).toEqual(Object.values(BUNDLE_FILES).sort());
  });

  it.each(["hybrid", "keyword", "semantic"] as const)(
    "answers handbook questions with the right page in %s mode",
    async (mode) => {
      let top3 = 0;
      for (const [query, path] of QUESTIONS) {
        const { results: hits } = await kb.search({ query, mode, limit: 3 });
        if (hits.some((h) => h.path === path)) top3++;
      }
      // The tiny model is crude; hybrid and keyword must get all, semantic most.
      expect(top3).toBeGreaterThanOrEqual(mode === "semantic" ? QUESTIONS.length - 2 : QUESTIONS.length);
    },
  );

  it("keeps heading paths for citations", async () => {
    const { results: hits } = await kb.search({ query: "roll back database migrations", limit: 1 });
    expect(hits[0]).toMatchObject({
      path: "deploys/rollback.md",
      heading: "Rolling back a deploy › Database migrations",
    });
  });

  it("filters by path prefix", async () => {
    const { results: hits } = await kb.search({ query: "policy", pathPrefix: "security/", limit: 10 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.path.startsWith("security/"))).toBe(true);
  });
});

describe("index pipeline failure handling", () => {
  const embedder = new HashingEmbedder();

  it("skips binary, invalid UTF-8, oversized and unsupported files and reports why", async () => {
    const folder = await folderWith({
      "good.md": "# Good\n\nReadable text.",
      "logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      "binary.md": new Uint8Array([0x23, 0x20, 0x00, 0x01]),
      "latin1.txt": new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
      "huge.md": `# Huge\n\n${"word ".repeat(5000)}`,
    });
    const store = new FsObjectStore(await tempDir());
    const summary = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "mixed", source: new LocalFolderSource(folder), maxDocumentBytes: 10_000 },
    );
    expect(summary.documentsIndexed).toBe(1);
    expect(Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]))).toEqual({
      "binary.md": "binary content",
      "huge.md": "too large (25008 bytes; limit 10000)",
      "latin1.txt": "not valid UTF-8",
      "logo.png": "unsupported file type",
    });
  });

  it("refuses to publish when nothing could be indexed, leaving the live version serving", async () => {
    const store = new FsObjectStore(await tempDir());
    const good = await folderWith({ "a.md": "# A\n\nText." });
    const first = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "c", source: new LocalFolderSource(good) },
    );
    const broken = await folderWith({ "a.png": "x" });
    await expect(
      refreshCollection(
        { store, embedder, ...codecs },
        { collection: "c", source: new LocalFolderSource(broken) },
      ),
    ).rejects.toThrow(RefreshError);
    expect((await readPointer(store, "c"))?.version).toBe(first.version);
  });

  it("fails cleanly when the folder does not exist", async () => {
    const store = new FsObjectStore(await tempDir());
    await expect(
      refreshCollection(
        { store, embedder, ...codecs },
        { collection: "c", source: new LocalFolderSource("/no/such/folder") },
      ),
    ).rejects.toThrow(/cannot read folder/);
    expect(await readPointer(store, "c")).toBeUndefined();
  });

  it("keeps only the newest versions", async () => {
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({ "a.md": "# A\n\nText." });
    const versions: string[] = [];
    for (let i = 0; i < 3; i++) {
      await writeFile(join(folder, "a.md"), `# A\n\nText, edition ${i}.`);
      const s = await refreshCollection(
        { store, embedder, ...codecs },
        { collection: "c", source: new LocalFolderSource(folder), keepVersions: 2 },
      );
      versions.push(s.version);
    }
    expect(await listVersions(store, "c")).toEqual(versions.slice(1).sort());
  });

  it("builds a keyword-only bundle without a model; a reader with a model says why semantic is off", async () => {
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({ "a.md": "# Deploys\n\nShip it." });
    const summary = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    expect(summary).toMatchObject({ model: null, chunksEmbedded: 0 });
    const { manifest } = await loadVersion(store, "c", (await readPointer(store, "c"))!);
    expect(manifest.model).toBeNull();
    expect(manifest.files[BUNDLE_FILES.vectorIndex]).toBeUndefined();
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs });
    expect(kb.degradations()).toEqual([
      "c: keyword search only: the bundle was built without an embedding model",
    ]);
    expect((await kb.search({ query: "ship" })).mode).toBe("keyword");
  });

  it("refuses semantic search on a bundle built with another model, and keeps serving keyword search", async () => {
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({ "a.md": "# Deploys\n\nShip it." });
    await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    const kb = await KnowledgeBase.open({
      store,
      embedder: new HashingEmbedder("other/model", 128),
      ...codecs,
    });
    expect(kb.degradations()[0]).toMatch(/built with test\/hashing .* embeds queries with other\/model/);
    await expect(kb.search({ query: "ship", mode: "semantic" })).rejects.toThrow(
      /semantic search is unavailable/,
    );
    expect((await kb.search({ query: "ship", mode: "keyword" })).results).toHaveLength(1);
  });

  it("reports a corrupt bundle as a failed collection without taking down the others", async () => {
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({ "a.md": "# A\n\nText." });
    await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "good", source: new LocalFolderSource(folder) },
    );
    const bad = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "bad", source: new LocalFolderSource(folder) },
    );
    await store.put(`collections/bad/versions/${bad.version}/chunks.bin`, "[]");
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs });
    expect(kb.collectionNames()).toEqual(["good"]);
    expect(kb.failures()).toEqual([
      { collection: "bad", reason: expect.stringMatching(/chunks.bin fails its checksum/) },
    ]);
  });
});

describe("incremental refresh", () => {
  it("embeds nothing and publishes nothing when the corpus is unchanged", async () => {
    const embedder = new HashingEmbedder();
    const store = new FsObjectStore(await tempDir());
    const source = new LocalFolderSource(SAMPLE_HANDBOOK);
    const first = await refreshCollection({ store, embedder, ...codecs }, { collection: "h", source });
    expect(first.chunksEmbedded).toBe(first.chunks);
    const calls = embedder.calls;
    const second = await refreshCollection({ store, embedder, ...codecs }, { collection: "h", source });
    expect(embedder.calls).toBe(calls);
    expect(second).toMatchObject({
      chunksEmbedded: 0,
      published: false,
      version: first.version,
      documentsReused: first.documentsIndexed,
    });
    expect(await listVersions(store, "h")).toEqual([first.version]);
  });

  it("re-embeds only changed and new documents; deleted documents leave the index", async () => {
    const embedder = new HashingEmbedder();
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({
      "keep.md": "# Keep\n\nThis page stays the same.",
      "edit.md": "# Edit\n\nOld wording about deploys.",
      "gone.md": "# Gone\n\nThis page will be deleted.",
    });
    await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    await writeFile(join(folder, "edit.md"), "# Edit\n\nNew wording about rollbacks.");
    await writeFile(join(folder, "new.md"), "# New\n\nA fresh page.");
    const { rm } = await import("node:fs/promises");
    await rm(join(folder, "gone.md"));
    const embeddedBefore = embedder.embedded;
    const summary = await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    expect(summary).toMatchObject({
      published: true,
      documentsIndexed: 3,
      documentsReused: 1,
      documentsRemoved: 1,
      chunksEmbedded: 2,
    });
    expect(embedder.embedded - embeddedBefore).toBe(2);
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs });
    expect(kb.listDocuments({}).documents.map((d) => d.path)).toEqual(["edit.md", "keep.md", "new.md"]);
    expect((await kb.search({ query: "rollbacks", mode: "semantic", limit: 1 })).results[0]!.path).toBe(
      "edit.md",
    );
    // Reused vectors are the stored ones: semantic search still finds the untouched page.
    expect(
      (await kb.search({ query: "page stays the same", mode: "semantic", limit: 1 })).results[0]!.path,
    ).toBe("keep.md");
  });

  it("cuts the same chunks whichever path built the collection (keyword-only first, or the model from the start)", async () => {
    /** The chunk table and chunk texts as published, byte for byte. */
    const chunkTexts = async (store: FsObjectStore) => {
      const { files } = await loadVersion(store, "handbook", (await readPointer(store, "handbook"))!);
      return [files.get(BUNDLE_FILES.chunks), files.get(BUNDLE_FILES.texts)].map((bytes) =>
        Buffer.from(bytes!).toString("base64"),
      );
    };
    const source = () => ({ collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK) });
    // The tiny model's tokenizer counts differently from the estimate used without a model.
    const embedder = await loadTransformersEmbedder({
      modelDir: await tinyModelDir(),
      modelId: "thoth/tiny",
    });
    const withModelFromStart = new FsObjectStore(await tempDir());
    await refreshCollection({ store: withModelFromStart, embedder, ...codecs }, source());
    const keywordFirst = new FsObjectStore(await tempDir());
    await refreshCollection({ store: keywordFirst, embedder: null, ...codecs }, source());
    const keywordChunks = await chunkTexts(keywordFirst);
    const embedded = await refreshCollection({ store: keywordFirst, embedder, ...codecs }, source());
    expect(embedded).toMatchObject({ published: true, chunksEmbedded: embedded.chunks });
    expect(await chunkTexts(keywordFirst)).toEqual(await chunkTexts(withModelFromStart));
    // And back: a keyword-only rebuild of a model-built collection cuts as a keyword-only build does.
    await refreshCollection(
      { store: keywordFirst, embedder: null, ...codecs },
      { ...source(), allowKeywordOnly: true },
    );
    expect(await chunkTexts(keywordFirst)).toEqual(keywordChunks);
  });

  it("re-embeds everything when the model changes", async () => {
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({ "a.md": "# A\n\nText one.", "b.md": "# B\n\nText two." });
    await refreshCollection(
      { store, embedder: new HashingEmbedder(), ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    const other = new HashingEmbedder("test/other", 64);
    const summary = await refreshCollection(
      { store, embedder: other, ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    expect(summary).toMatchObject({ published: true, chunksEmbedded: summary.chunks, model: "test/other" });
  });
});

describe("concurrent refreshes of one collection", () => {
  it("end with one consistent pointer: one run publishes, the other is refused", async () => {
    const store = new FsObjectStore(await tempDir());
    const a = await folderWith({ "a.md": "# A\n\nFrom run A." });
    const b = await folderWith({ "b.md": "# B\n\nFrom run B." });
    const results = await Promise.allSettled([
      refreshCollection(
        { store, embedder: new HashingEmbedder(), ...codecs },
        { collection: "c", source: new LocalFolderSource(a) },
      ),
      refreshCollection(
        { store, embedder: new HashingEmbedder(), ...codecs },
        { collection: "c", source: new LocalFolderSource(b) },
      ),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(ConcurrentPublishError);
    const pointer = (await readPointer(store, "c"))!;
    expect(pointer.version).toBe((won[0] as PromiseFulfilledResult<RefreshSummary>).value.version);
    expect(await listVersions(store, "c")).toEqual([pointer.version]);
    await expect(KnowledgeBase.open({ store, embedder: null, ...codecs })).resolves.toBeDefined();
  });
});
