import { describe, expect, it } from "vitest";
import { bm25Codec } from "../../functions/adapters/keyword/codec.js";
import { DEFAULT_BM25, type Bm25Params } from "../../functions/adapters/keyword/params.js";
import { loadVersion, readPointer } from "../../functions/core/bundle.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { SAMPLE_HANDBOOK, folderWith } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

/** Indexes a folder (the sample handbook) with a keyword codec that builds on a worker from `workerFromChunks` on. */
async function keywordFile(
  workerFromChunks: number,
  params: Bm25Params = DEFAULT_BM25,
  folder = SAMPLE_HANDBOOK,
) {
  const store = new MemoryObjectStore();
  await refreshCollection(
    { store, embedder: null, ...codecs, keywordCodec: bm25Codec(params, { workerFromChunks }) },
    { collection: "handbook", source: new LocalFolderSource(folder) },
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

  it("grows with the document's bytes, not with its title's length times its chunks (a hostile title line)", async () => {
    // 20,000 distinct words as the title line, then 20,000 words of body: ~850 chunks. Before titles were
    // bounded and read once per document, every chunk carried the whole title: an 86 MB keyword.bin instead of
    // ~1 MB, minutes instead of seconds, and 3 GB on the worker path.
    const words = (prefix: string) => Array.from({ length: 20_000 }, (_, i) => `${prefix}${i}`).join(" ");
    const body = `\n\n${words("body")}\n`;
    const long = await folderWith({ "t.md": `# ${words("title")}${body}` });
    const short = await folderWith({ "t.md": `# Short title${body}` });
    for (const threshold of [1, Infinity]) {
      const hostile = (await keywordFile(threshold, DEFAULT_BM25, long)).bytes.byteLength;
      const plain = (await keywordFile(threshold, DEFAULT_BM25, short)).bytes.byteLength;
      expect(hostile / plain, `worker from ${threshold} chunks`).toBeLessThan(1.1);
    }
  });

  it("fails the run with the worker's reason when it cannot build, and publishes nothing", async () => {
    const broken = { ...DEFAULT_BM25, fields: undefined } as unknown as Bm25Params;
    await expect(keywordFile(0, broken)).rejects.toThrow(/building the keyword index failed/);
  });
});
