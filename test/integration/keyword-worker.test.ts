import { describe, expect, it } from "vitest";
import { bm25Codec } from "../../functions/adapters/keyword/codec.js";
import { DEFAULT_BM25, type Bm25Params } from "../../functions/adapters/keyword/params.js";
import { loadVersion, readPointer } from "../../functions/core/bundle.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { SAMPLE_HANDBOOK } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

/** Indexes the sample handbook with a keyword codec that builds on a worker from `workerFromChunks` on. */
async function keywordFile(workerFromChunks: number, params: Bm25Params = DEFAULT_BM25) {
  const store = new MemoryObjectStore();
  await refreshCollection(
    { store, embedder: null, ...codecs, keywordCodec: bm25Codec(params, { workerFromChunks }) },
    { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK) },
  );
  const { files } = await loadVersion(store, "handbook", (await readPointer(store, "handbook"))!);
  return { store, bytes: files.get("keyword.bin")! };
}

describe("the keyword index built on a worker thread", () => {
  it("is byte for byte the index built inline, whether the worker starts at once or part-way", async () => {
    const inline = await keywordFile(Infinity);
    expect((await keywordFile(0)).bytes).toEqual(inline.bytes);
    expect((await keywordFile(50)).bytes).toEqual(inline.bytes);
    // Below the threshold no worker starts, and the result is the same.
    expect((await keywordFile(1_000_000)).bytes).toEqual(inline.bytes);
  });

  it("fails the run with the worker's reason when it cannot build, and publishes nothing", async () => {
    const broken = { ...DEFAULT_BM25, fields: undefined } as unknown as Bm25Params;
    await expect(keywordFile(0, broken)).rejects.toThrow(/building the keyword index failed/);
  });
});
