import { describe, expect, it } from "vitest";
import { BUNDLE_FILES, bundleKeys, readPointer, sha256 } from "../../../functions/core/bundle.js";
import { decode, encodeKW3 } from "../../../functions/adapters/keyword/bm25-file.js";
import { KnowledgeBase, MODEL_LOADING } from "../../../functions/core/knowledge-base.js";
import type { ModelLoad } from "../../../functions/core/ports.js";
import { onDemand } from "../../../functions/composition.js";
import { STILL_LOADING } from "../../../functions/core/ranged-version.js";
import { beforeRequest, readsWholeVersions } from "../../../functions/mcp-server/app.js";
import { mcpClient, mcpDeps } from "../../helpers/mcp-http.js";
import { refreshCollection } from "../../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK } from "../../helpers/folders.js";
import { unitCodecs as codecs } from "../../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

/**
 * A store whose whole-file downloads of version files, once `hold()` is called, wait until `open()`; pointers,
 * manifests and ranges do not.
 */
class SlowFilesStore extends MemoryObjectStore {
  #open = () => {};
  #opened = Promise.resolve();
  wholeReads = 0;

  hold(): void {
    this.#opened = new Promise<void>((resolve) => (this.#open = resolve));
  }

  open(): void {
    this.#open();
  }

  /** The same objects, without the wait. */
  withoutGate(): MemoryObjectStore {
    const plain = new MemoryObjectStore();
    for (const [key, value] of this.objects) plain.objects.set(key, value);
    return plain;
  }

  override async get(key: string): Promise<Uint8Array | undefined> {
    if (key.includes("/versions/") && !key.endsWith("/manifest.json")) {
      this.wholeReads++;
      await this.#opened;
    }
    return super.get(key);
  }
}

const QUERIES = [
  "how do I roll back a bad deploy",
  "who is on call this week and how are pages escalated",
  "expense receipts travel reimbursement",
  "vacation days",
  "security incident report phishing",
  "zzqx nothing matches this",
];

/** Publishes the sample handbook, then holds whole-file downloads (until `store.open()`). */
async function publishHandbook(store: SlowFilesStore, embedder: HashingEmbedder | null) {
  await refreshCollection(
    { store, embedder, ...codecs },
    { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK) },
  );
  store.hold();
}

/** As the MCP app opens it: by range, vectors and model behind. */
const openAsTheApp = (store: MemoryObjectStore, model: Promise<ModelLoad>) =>
  KnowledgeBase.open({
    store,
    ...codecs,
    model,
    modelWait: "background",
    firstAnswers: "ranges",
    vectors: "background",
  });

const open = (store: MemoryObjectStore, embedder: HashingEmbedder | null, firstAnswers?: "ranges") =>
  KnowledgeBase.open({
    store,
    embedder,
    ...codecs,
    vectors: "background",
    ...(firstAnswers ? { firstAnswers } : {}),
  });

describe("first answers read by range while a collection's files come in", () => {
  it("answers keyword searches before any whole file is in, exactly as the loaded collection does", async () => {
    const store = new SlowFilesStore();
    await publishHandbook(store, null);
    const whole = await open(store.withoutGate(), null);
    const kb = await open(store, null, "ranges");
    // Opened, and answering, with every whole-file download still waiting.
    expect(kb.collectionNames()).toEqual([]);
    for (const query of QUERIES) {
      for (const limit of [3, 10]) {
        const request = { query, mode: "keyword" as const, limit };
        expect(await kb.search(request)).toEqual(await whole.search(request));
      }
    }
    expect(store.ranges.length).toBeGreaterThan(0);
    // Heartbeat's sources say so, and list the collection from its manifest.
    expect(kb.degradations()).toEqual([`handbook: keyword search only: ${STILL_LOADING}`]);
    expect(kb.listCollections()).toEqual(whole.listCollections());
    store.open();
    await kb.loaded();
    expect(kb.collectionNames()).toEqual(["handbook"]);
    expect(kb.degradations()).toEqual(whole.degradations());
    expect(await kb.search({ query: QUERIES[0]!, mode: "keyword" })).toEqual(
      await whole.search({ query: QUERIES[0]!, mode: "keyword" }),
    );
  });

  it("ranks hybrid by keyword meanwhile and says why; filters and semantic search wait for the whole version", async () => {
    const store = new SlowFilesStore();
    const embedder = new HashingEmbedder();
    await publishHandbook(store, embedder);
    const kb = await open(store, embedder, "ranges");
    const hybrid = await kb.search({ query: "roll back a deploy", mode: "hybrid" });
    expect(hybrid.mode).toBe("keyword");
    expect(hybrid.notices.join(" ")).toContain("still loading");
    expect(hybrid.results.length).toBeGreaterThan(0);
    // A filtered search waits for the load: it settles only after the files are let through.
    let filtered = false;
    const waiting = kb.search({ query: "deploy", mode: "keyword", pathPrefix: "deploys/" }).then((r) => {
      filtered = true;
      return r;
    });
    const semantic = kb.search({ query: "deploy", mode: "semantic" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(filtered).toBe(false);
    store.open();
    expect((await waiting).results.every((hit) => hit.path.startsWith("deploys/"))).toBe(true);
    expect((await semantic).mode).toBe("semantic");
  });

  it("loads whole what cannot be read by range: a format-2 version, or one with a corrupt cards.bin", async () => {
    for (const damage of ["format 2", "corrupt"] as const) {
      const store = new SlowFilesStore();
      await publishHandbook(store, null);
      const whole = await open(store.withoutGate(), null);
      const { version } = (await readPointer(store, "handbook"))!;
      const key = bundleKeys.file("handbook", version, BUNDLE_FILES.cards);
      if (damage === "format 2") {
        // As the previous format wrote it: no cards.bin, a section-major keyword.bin, format 2 in manifest and pointer.
        const manifestKey = bundleKeys.manifest("handbook", version);
        const manifest = JSON.parse(new TextDecoder().decode(store.objects.get(manifestKey)!));
        const keywordKey = bundleKeys.file("handbook", version, "keyword.bin");
        const kw3 = encodeKW3(decode(store.objects.get(keywordKey)!));
        expect(new TextDecoder().decode(kw3.subarray(0, 8))).toBe("THOTHKW3");
        store.objects.set(keywordKey, kw3);
        store.objects.delete(key);
        delete manifest.files[BUNDLE_FILES.cards];
        manifest.files["keyword.bin"] = { sha256: sha256(kw3), bytes: kw3.length };
        manifest.formatVersion = 2;
        await rewriteManifest(store, manifest, 2);
      } else store.objects.set(key, new TextEncoder().encode("THOTHCD1 not really"));
      const opening = open(store, null, "ranges");
      let opened = false;
      void opening.then(() => (opened = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(opened, damage).toBe(false);
      store.open();
      const kb = await opening;
      expect(kb.collectionNames(), damage).toEqual(["handbook"]);
      for (const query of QUERIES) {
        const request = { query, mode: "keyword" as const };
        expect(await kb.search(request), damage).toEqual(await whole.search(request));
      }
    }
  });

  it("answers from the whole version once it is in, and reports a whole version that fails", async () => {
    const store = new SlowFilesStore();
    await publishHandbook(store, null);
    const { version } = (await readPointer(store, "handbook"))!;
    // keyword.bin's bytes still parse by range, but the whole file fails its checksum.
    const key = bundleKeys.file("handbook", version, "keyword.bin");
    const bytes = store.objects.get(key)!.slice();
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    store.objects.set(key, bytes);
    const kb = await open(store, null, "ranges");
    store.open();
    await kb.loaded();
    expect(kb.collectionNames()).toEqual([]);
    expect(kb.failures()[0]?.reason).toMatch(/keyword.bin fails its checksum/);
    expect(kb.listCollections()).toEqual([]);
  });

  it("serves MCP searches and heartbeat at once, and holds list_documents until the files are in", async () => {
    const store = new SlowFilesStore();
    await publishHandbook(store, null);
    const kb = await open(store, null, "ranges");
    const client = await mcpClient(mcpDeps(kb, { beforeRequest: beforeRequest(kb) }));
    const search = await client.callTool({ name: "search_documents", arguments: { query: "vacation days" } });
    expect(search.isError).toBeFalsy();
    expect((search.structuredContent as { results: unknown[] }).results.length).toBeGreaterThan(0);
    const beat = await client.callTool({ name: "heartbeat", arguments: {} });
    expect(JSON.stringify(beat.structuredContent)).toContain("still loading");
    let listed = false;
    const listing = client
      .callTool({ name: "list_documents", arguments: {} })
      .then((r) => ((listed = true), r));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listed).toBe(false);
    store.open();
    expect((await listing).isError).toBeFalsy();
    expect(JSON.stringify((await listing).structuredContent)).toContain("handbook");
    await client.close();
  });

  it("answers keyword searches before the model is in; hybrid ones wait for it, and heartbeat says so meanwhile", async () => {
    const store = new SlowFilesStore();
    const embedder = new HashingEmbedder();
    await publishHandbook(store, embedder);
    store.open();
    let loadModel = (_: ModelLoad) => {};
    const model = new Promise<ModelLoad>((resolve) => (loadModel = resolve));
    const kb = await openAsTheApp(store, model);
    expect(kb.embedder).toBeNull();
    expect(kb.degradations()).toContain(MODEL_LOADING);
    expect((await kb.search({ query: "vacation days", mode: "keyword" })).results.length).toBeGreaterThan(0);
    let answered = false;
    const hybrid = kb.search({ query: "vacation days", mode: "hybrid" }).then((r) => ((answered = true), r));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    loadModel({ embedder });
    expect((await hybrid).results.length).toBeGreaterThan(0);
    expect(kb.embedder).toBe(embedder);
    expect(kb.degradations()).not.toContain(MODEL_LOADING);
  });

  it("loads a model on demand only when something needs it: not for a keyword first answer, at once for hybrid", async () => {
    const store = new SlowFilesStore();
    const embedder = new HashingEmbedder();
    await publishHandbook(store, embedder);
    const open = async () => {
      let loads = 0;
      const kb = await openAsTheApp(
        store,
        onDemand(async (): Promise<ModelLoad> => (loads++, { embedder })),
      );
      return { kb, loads: () => loads };
    };
    const first = await open();
    await first.kb.search({ query: "vacation days", mode: "keyword" });
    expect(first.loads()).toBe(0);
    expect(first.kb.degradations()).toContain(MODEL_LOADING);
    // The whole version's load (held here) is what would start it, to check the vectors against the model.
    store.open();
    await first.kb.loaded();
    expect(first.loads()).toBe(1);
    expect(first.kb.embedder).toBe(embedder);
    expect(first.kb.degradations()).not.toContain(MODEL_LOADING);
    store.hold();
    const second = await open();
    expect(
      (await second.kb.search({ query: "vacation days", mode: "hybrid" })).results.length,
    ).toBeGreaterThan(0);
    expect(second.loads()).toBe(1);
    store.open();
  });

  it("lets searches and heartbeat through at once, and holds what reads documents or listings", () => {
    const call = (name: string) => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name } });
    for (const name of ["search_documents", "search", "heartbeat"])
      expect(readsWholeVersions(call(name))).toBe(false);
    for (const name of ["get_document", "list_documents", "list_collections", "fetch"])
      expect(readsWholeVersions(call(name))).toBe(true);
    for (const method of ["initialize", "ping", "tools/list", "notifications/initialized"])
      expect(readsWholeVersions({ jsonrpc: "2.0", method })).toBe(false);
    for (const method of [
      "resources/read",
      "resources/list",
      "prompts/get",
      "completion/complete",
      "made/up",
    ])
      expect(readsWholeVersions({ jsonrpc: "2.0", id: 2, method })).toBe(true);
  });
});

/** The manifest written again, and the pointer signed for it (with `formatVersion` when given). */
async function rewriteManifest(
  store: MemoryObjectStore,
  manifest: { version: string },
  formatVersion?: number,
) {
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  store.objects.set(bundleKeys.manifest("handbook", manifest.version), bytes);
  const pointer = (await readPointer(store, "handbook"))!;
  store.objects.set(
    bundleKeys.pointer("handbook"),
    new TextEncoder().encode(
      JSON.stringify({
        ...pointer,
        manifestSha256: sha256(bytes),
        ...(formatVersion ? { formatVersion } : {}),
      }),
    ),
  );
}
