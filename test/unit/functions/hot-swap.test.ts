import { describe, expect, it } from "vitest";
import { decode, encodeKW3 } from "../../../functions/adapters/keyword/bm25-file.js";
import { bundleKeys, readPointer, sha256, type Manifest } from "../../../functions/core/bundle.js";
import { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { refreshCollection } from "../../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../../helpers/fake-embedder.js";
import { folderWith } from "../../helpers/folders.js";
import { unitCodecs as codecs } from "../../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

async function publish(
  store: MemoryObjectStore,
  files: Record<string, string>,
  embedder = new HashingEmbedder(),
) {
  return refreshCollection(
    { store, embedder, ...codecs },
    { collection: "docs", source: new LocalFolderSource(await folderWith(files)) },
  );
}

describe("hot swap of bundle versions", () => {
  it("stops serving a collection whose bundles were deleted, and does not report it healthy", async () => {
    const store = new MemoryObjectStore();
    await publish(store, { "a.md": "# A\n\nAlpha text." });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 60 });
    expect(kb.collectionNames()).toEqual(["docs"]);
    const t0 = Date.now();
    await store.delete([bundleKeys.pointer("docs")]);
    await kb.checkForNewVersions(t0 + 61_000);
    expect(kb.collectionNames()).toEqual([]);
    expect((await kb.search({ query: "alpha", mode: "keyword" })).results).toEqual([]);
    // Deleted entirely (versions too): still gone.
    await publish(store, { "a.md": "# A\n\nAlpha text." });
    await kb.checkForNewVersions(t0 + 122_000);
    expect(kb.collectionNames()).toEqual(["docs"]);
    await store.delete(await store.list(bundleKeys.collectionsPrefix));
    await kb.checkForNewVersions(t0 + 183_000);
    expect(kb.collectionNames()).toEqual([]);
    expect(kb.degradations()).toEqual([]);
  });

  it("serves a newly published version after the next pointer check, without a restart", async () => {
    const store = new MemoryObjectStore();
    const embedder = new HashingEmbedder();
    await publish(store, { "a.md": "# A\n\nOriginal alpha text." });
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs, pointerCheckSeconds: 60 });
    const v2 = await publish(store, {
      "a.md": "# A\n\nOriginal alpha text.",
      "b.md": "# B\n\nBrand new bravo page.",
    });

    await kb.checkForNewVersions(Date.now() + 1_000); // within the interval: no check
    expect(kb.listCollections()[0]!.documents).toBe(1);
    await kb.checkForNewVersions(Date.now() + 61_000);
    expect(kb.listCollections()[0]).toMatchObject({ version: v2.version, documents: 2 });
    expect((await kb.search({ query: "bravo" })).results[0]!.path).toBe("b.md");
  });

  it("reads the pointer at most once per interval, however many requests arrive", async () => {
    const store = new MemoryObjectStore();
    await publish(store, { "a.md": "# A\n\nText." });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 30 });
    let reads = 0;
    const read = store.read.bind(store);
    store.read = async (key) => {
      if (key === bundleKeys.pointer("docs")) reads++;
      return read(key);
    };
    const later = Date.now() + 31_000;
    await Promise.all(Array.from({ length: 50 }, () => kb.checkForNewVersions(later)));
    expect(reads).toBe(1);
  });

  it("keeps serving the current version when the new one is corrupt, and says so", async () => {
    const store = new MemoryObjectStore();
    const v1 = await publish(store, { "a.md": "# A\n\nAlpha." });
    const kb = await KnowledgeBase.open({
      store,
      embedder: new HashingEmbedder(),
      ...codecs,
      pointerCheckSeconds: 0,
    });
    const v2 = await publish(store, { "a.md": "# A\n\nAlpha, revised." });
    store.objects.set(bundleKeys.file("docs", v2.version, "chunks.bin"), new TextEncoder().encode("[]"));
    await kb.checkForNewVersions();
    expect(kb.listCollections()[0]!.version).toBe(v1.version);
    expect(kb.degradations()).toEqual([
      expect.stringMatching(new RegExp(`chunks.bin fails its checksum; still serving ${v1.version}`)),
    ]);
    expect((await kb.search({ query: "alpha" })).results).toHaveLength(1);
  });

  it("refuses a version whose keyword index passes its checksums but points out of range, and keeps serving", async () => {
    const store = new MemoryObjectStore();
    const v1 = await publish(store, { "a.md": "# A\n\nAlpha." });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    const v2 = await publish(store, { "a.md": "# A\n\nAlpha, revised." });
    // Republished with one posting offset set to 0xfffffff0 (in the section-major file a version may still
    // have, where the offsets are used as they stand), and the manifest and pointer signed again.
    const parts = decode(store.objects.get(bundleKeys.file("docs", v2.version, "keyword.bin"))!);
    parts.chunk.offsets[1] = 0xfffffff0;
    const keyword = encodeKW3(parts);
    store.objects.set(bundleKeys.file("docs", v2.version, "keyword.bin"), keyword);
    const manifestKey = bundleKeys.file("docs", v2.version, "manifest.json");
    const manifest = JSON.parse(new TextDecoder().decode(store.objects.get(manifestKey)!)) as Manifest;
    manifest.files["keyword.bin"] = { sha256: sha256(keyword), bytes: keyword.byteLength };
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
    store.objects.set(manifestKey, manifestBytes);
    const pointer = (await readPointer(store, "docs"))!;
    store.objects.set(
      bundleKeys.pointer("docs"),
      new TextEncoder().encode(JSON.stringify({ ...pointer, manifestSha256: sha256(manifestBytes) })),
    );
    await kb.checkForNewVersions();
    expect(kb.listCollections()[0]!.version).toBe(v1.version);
    expect(kb.degradations()).toContainEqual(
      `docs: keyword.bin cannot be read: keyword index is corrupt: chunk offsets out of order; still serving ${v1.version}`,
    );
    expect((await kb.search({ query: "alpha" })).results).toHaveLength(1);
  });

  it("refuses a version built with another model and keeps semantic search on the current one", async () => {
    const store = new MemoryObjectStore();
    const embedder = new HashingEmbedder("test/hashing", 128);
    const v1 = await publish(store, { "a.md": "# A\n\nAlpha." }, embedder);
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs, pointerCheckSeconds: 0 });
    await publish(store, { "a.md": "# A\n\nAlpha two." }, new HashingEmbedder("other/model", 32));
    await kb.checkForNewVersions();
    expect(kb.listCollections()[0]).toMatchObject({
      version: v1.version,
      modes: ["hybrid", "semantic", "keyword"],
    });
    expect(kb.degradations()[0]).toMatch(/refused version .* built with other\/model/);
    expect((await kb.search({ query: "alpha", mode: "semantic" })).results).toHaveLength(1);
  });

  it("answers every one of many concurrent searches while versions swap underneath", async () => {
    const store = new MemoryObjectStore();
    const embedder = new HashingEmbedder();
    await publish(store, { "a.md": "# Deploys\n\nRoll back a deploy with the pipeline." }, embedder);
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs, pointerCheckSeconds: 0 });
    const searches: Promise<unknown>[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 40; i++) {
        searches.push(
          kb
            .search({ query: "roll back deploy", mode: (["hybrid", "semantic", "keyword"] as const)[i % 3] })
            .then((r) => {
              expect(r.results[0]!.path).toBe("a.md");
            }),
        );
      }
      await publish(
        store,
        {
          "a.md": `# Deploys\n\nRoll back a deploy with the pipeline (edition ${round}).`,
          [`extra-${round}.md`]: "# X\n\nOther.",
        },
        embedder,
      );
      searches.push(kb.checkForNewVersions());
    }
    const results = await Promise.allSettled(searches);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    await kb.checkForNewVersions();
    expect(kb.listCollections()[0]!.version).toBe((await readPointer(store, "docs"))!.version);
  });

  it("reports an unreachable store in degradations without leaking ARNs, and keeps serving", async () => {
    const store = new MemoryObjectStore();
    await publish(store, { "a.md": "# A\n\nAlpha." });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    store.list = async () => {
      throw new Error(
        "User: arn:aws:sts::123456789012:assumed-role/thoth-dev-mcp/x is not authorized to perform: s3:ListBucket",
      );
    };
    await kb.checkForNewVersions();
    const line = kb.degradations().find((l) => l.includes("could not list collections"))!;
    expect(line).toContain("<arn> is not authorized");
    expect(line).not.toContain("arn:aws");
    expect((await kb.search({ query: "alpha" })).results).toHaveLength(1);
  });
});
