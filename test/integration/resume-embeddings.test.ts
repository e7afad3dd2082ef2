import { describe, expect, it } from "vitest";
import { loadVersion, readPointer } from "../../functions/core/bundle.js";
import { bundleWriteStatements } from "../../infra/policies.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { type RefreshSummary } from "../../functions/refresh/refresh-types.js";
import { RefreshInterruptedError } from "../../functions/refresh/stages.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

const CHECKPOINTS = "collections/handbook/embeddings/";
const BATCH = 8;

/** A run stopped (like Ctrl-C) once `batches` embedding batches are done. */
async function interruptedRun(store: MemoryObjectStore, embedder: HashingEmbedder, batches: number) {
  const controller = new AbortController();
  const run = refreshCollection(
    { store, embedder, ...codecs },
    {
      collection: "handbook",
      source: new LocalFolderSource(SAMPLE_HANDBOOK),
      embedBatchSize: BATCH,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "embed" && p.done >= batches * BATCH) controller.abort();
      },
    },
  );
  return run.then(
    () => {
      throw new Error("the run was not interrupted");
    },
    (error: unknown) => error,
  );
}

describe("an interrupted refresh resumes its embeddings", () => {
  it("keeps what it embedded before Ctrl-C, publishes nothing, and the next run embeds only the rest", async () => {
    const store = new MemoryObjectStore();
    const first = new HashingEmbedder();
    const error = await interruptedRun(store, first, 3);
    expect(error).toBeInstanceOf(RefreshInterruptedError);
    expect((error as Error).message).toMatch(/interrupted after embedding 24 of \d+ chunks; they are kept/);
    expect(await readPointer(store, "handbook")).toBeUndefined();
    expect((await store.list(CHECKPOINTS)).length).toBeGreaterThan(0);

    const second = new HashingEmbedder();
    const summary: RefreshSummary = await refreshCollection(
      { store, embedder: second, ...codecs },
      { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK), embedBatchSize: BATCH },
    );
    expect(summary.chunksResumed).toBe(3 * BATCH);
    expect(summary.chunksEmbedded).toBe(summary.chunks - 3 * BATCH);
    expect(second.embedded).toBe(summary.chunks - 3 * BATCH);
    // Published, the checkpoint is spent.
    expect(await store.list(CHECKPOINTS)).toEqual([]);

    // The resumed vectors are the ones a clean run computes.
    const clean = new MemoryObjectStore();
    await refreshCollection(
      { store: clean, embedder: new HashingEmbedder(), ...codecs },
      { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK), embedBatchSize: BATCH },
    );
    const vectorsOf = async (s: MemoryObjectStore) => {
      const loaded = await loadVersion(s, "handbook", (await readPointer(s, "handbook"))!);
      const index = await codecs.vectorCodec.load(loaded.files.get("vectors.hnsw")!, 128);
      return Array.from({ length: index.size }, (_, label) => Array.from(index.vector(label)));
    };
    expect(await vectorsOf(store)).toEqual(await vectorsOf(clean));
  });

  it("keeps what a crashed run embedded too, skipping unreadable segments, and only for the same model", async () => {
    let store = new MemoryObjectStore();
    /** A run whose model fails on its second batch (after embedding one). */
    const crash = async () => {
      const crashing = new HashingEmbedder();
      const embed = crashing.embed.bind(crashing);
      crashing.embed = async (texts) => {
        if (crashing.calls === 1) {
          crashing.calls++;
          throw new Error("the model ran out of memory");
        }
        return embed(texts);
      };
      await expect(
        refreshCollection(
          { store, embedder: crashing, ...codecs },
          { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK), embedBatchSize: BATCH },
        ),
      ).rejects.toThrow(/ran out of memory/);
    };
    const run = (embedder: HashingEmbedder) =>
      refreshCollection(
        { store, embedder, ...codecs },
        { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK), embedBatchSize: BATCH },
      );

    await crash();
    const [segment] = await store.list(CHECKPOINTS);
    await store.put(segment!.replace(/[^/]+$/, "000000000000000-garbage.bin"), "not a checkpoint");
    const same = await run(new HashingEmbedder());
    expect(same.chunksResumed).toBe(BATCH);
    expect(same.chunksEmbedded).toBe(same.chunks - BATCH);
    // A successful run clears the collection's checkpoints.
    expect(await store.list(CHECKPOINTS)).toEqual([]);

    // A fresh store (the first now has a live version whose vectors every run reuses).
    store = new MemoryObjectStore();
    await crash();
    expect((await store.list(CHECKPOINTS)).length).toBeGreaterThan(0);
    const other = await run(new HashingEmbedder("test/other-model"));
    expect(other.chunksResumed).toBe(0);
    expect(other.chunksEmbedded).toBe(other.chunks);
    expect(await store.list(CHECKPOINTS)).toEqual([]);
  });

  it("writes and deletes only keys the refresh role's S3 grant covers (S3 would refuse the rest; the emulators do not)", async () => {
    const store = new MemoryObjectStore();
    const touched: { action: string; key: string }[] = [];
    const put = store.put.bind(store);
    const del = store.delete.bind(store);
    store.put = async (key: string, body: string | Uint8Array) => {
      touched.push({ action: "s3:PutObject", key });
      return put(key, body);
    };
    store.delete = async (keys: string[]) => {
      for (const key of keys) touched.push({ action: "s3:DeleteObject", key });
      return del(keys);
    };
    await interruptedRun(store, new HashingEmbedder(), 2);
    await refreshCollection(
      { store, embedder: new HashingEmbedder(), ...codecs },
      { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK), embedBatchSize: BATCH },
    );
    expect(touched.some((t) => t.key.includes("/embeddings/") && t.action === "s3:PutObject")).toBe(true);
    expect(touched.some((t) => t.key.includes("/embeddings/") && t.action === "s3:DeleteObject")).toBe(true);
    const grants = bundleWriteStatements("arn:aws:s3:::bucket");
    // IAM resource patterns: "*" matches any run of characters.
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
      );
    const allowed = (action: string, key: string) =>
      grants.some(
        (g) =>
          g.Action.includes(action) && g.Resource.some((r) => glob(r).test(`arn:aws:s3:::bucket/${key}`)),
      );
    expect(touched.filter((t) => !allowed(t.action, t.key))).toEqual([]);
  });
});
