import { cp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { BUNDLE_FORMAT_VERSION, bundleKeys, readPointer, sha256 } from "../../functions/core/bundle.js";
import { rollbackCollection } from "../../functions/core/bundle-versions.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { folderWith, tempDir } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";

/**
 * A bundle written by the format-1 writer (MiniSearch JSON keyword index), kept byte for byte: servers must
 * read it until no live or kept version is format 1.
 */
const FORMAT_1 = join(import.meta.dirname, "../fixtures/bundle-format-1");
const V1 = "20261122T035628216Z-c74988";

async function format1Store(): Promise<{ store: FsObjectStore; root: string }> {
  const root = await tempDir();
  await cp(FORMAT_1, root, { recursive: true });
  return { store: new FsObjectStore(root), root };
}

describe("bundle formats", () => {
  it("serves a format-1 version: keyword search and documents", async () => {
    const { store } = await format1Store();
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
    expect(kb.failures()).toEqual([]);
    const { results: hits } = await kb.search({ query: "how many vacation days", mode: "keyword" });
    expect(hits[0]).toMatchObject({ title: "Time off", path: "time-off.md" });
    expect(kb.getDocument({ path: "deploys.md" }).document.title).toBe("Deploys");
  });

  it("says why, and serves nothing wrong, when a server cannot read format 1", async () => {
    const { store } = await format1Store();
    const { legacyKeywordCodec: _legacy, ...current } = codecs;
    const kb = await KnowledgeBase.open({ store, embedder: null, ...current });
    expect(kb.collectionNames()).toEqual([]);
    expect(kb.failures()[0]?.reason).toMatch(/format 1.*no keyword index this server can read/);
  });

  it("refreshes a format-1 collection into the current format, and rolls back to format 1 with a format-1 pointer", async () => {
    const { store } = await format1Store();
    const folder = await folderWith({
      "time-off.md": "# Time off\n\nEveryone gets 25 vacation days a year. Book them in the HR tool.\n",
      "deploys.md": "# Deploys\n\nWe deploy on weekdays before 3pm. Never on Fridays.\n",
    });
    const summary = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "handbook", source: new LocalFolderSource(folder) },
    );
    expect(summary.published).toBe(true);
    const live = await readPointer(store, "handbook");
    expect(live).toMatchObject({ version: summary.version, formatVersion: BUNDLE_FORMAT_VERSION });
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.get(bundleKeys.manifest("handbook", summary.version))),
    );
    expect(Object.keys(manifest.files).sort()).toEqual([
      "cards.bin",
      "chunks.bin",
      "documents.json",
      "keyword.bin",
      "texts.bin",
    ]);

    await rollbackCollection(store, "handbook", V1);
    expect(await readPointer(store, "handbook")).toMatchObject({ version: V1, formatVersion: 1 });
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
    expect(kb.listCollections()[0]?.version).toBe(V1);
    expect((await kb.search({ query: "fridays", mode: "keyword" })).results[0]?.path).toBe("deploys.md");
  });

  it("refuses a version of a format it does not know and keeps serving the one it has", async () => {
    const { store } = await format1Store();
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    // A newer writer's version: format 4, unknown to this reader.
    const manifest = JSON.stringify({ formatVersion: 4, collection: "handbook", version: "v3", files: {} });
    await store.put(bundleKeys.manifest("handbook", "v3"), manifest);
    await store.put(
      bundleKeys.pointer("handbook"),
      JSON.stringify({ formatVersion: 4, version: "v3", manifestSha256: sha256(manifest), publishedAt: "" }),
    );
    await kb.checkForNewVersions(Date.now());
    expect(kb.listCollections()[0]?.version).toBe(V1);
    expect(kb.failures()[0]?.reason).toMatch(/current\.json does not match the bundle format/);
    expect((await kb.search({ query: "vacation", mode: "keyword" })).results).not.toHaveLength(0);
  });
});
