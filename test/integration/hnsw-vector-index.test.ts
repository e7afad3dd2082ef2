import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hnswCodec } from "../../functions/adapters/ml/hnsw-vector-index.js";
import { tempDir } from "../helpers/folders.js";

function randomUnitVectors(n: number, dim: number, seed = 42): Float32Array[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dim }, rand);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const exactTopK = (vectors: Float32Array[], q: Float32Array, k: number) =>
  vectors
    .map((v, label) => ({ label, score: v.reduce((s, x, i) => s + x * q[i]!, 0) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((h) => h.label);

describe("hnswlib-node vector index", () => {
  const vectors = randomUnitVectors(2000, 32);
  const codec = hnswCodec();

  it("finds what exact search finds (recall@10 ≥ 0.95) with cosine scores", async () => {
    const index = await codec.build(vectors, 32);
    const queries = randomUnitVectors(50, 32, 7);
    let found = 0;
    for (const q of queries) {
      const approx = new Set(index.search(q, 10).map((h) => h.label));
      found += exactTopK(vectors, q, 10).filter((l) => approx.has(l)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    const [self] = index.search(vectors[5]!, 1);
    expect(self).toEqual({ label: 5, score: expect.closeTo(1, 5) });
  });

  it("survives a save/load round trip with identical answers", async () => {
    const index = await codec.build(vectors, 32);
    const bytes = await index.serialize();
    const loaded = await codec.load(bytes, 32);
    expect(loaded.size).toBe(2000);
    const q = vectors[123]!;
    expect(loaded.search(q, 10)).toEqual(index.search(q, 10));
    expect(Array.from(loaded.vector(9))).toEqual(Array.from(vectors[9]!).map((x) => expect.closeTo(x, 6)));
  });

  it("loads straight from a file, and leaves the file where it was", async () => {
    const index = await codec.build(vectors, 32);
    const file = join(await tempDir(), "vectors.hnsw");
    await writeFile(file, await index.serialize());
    const loaded = await codec.load({ file }, 32);
    expect(loaded.size).toBe(2000);
    expect(loaded.search(vectors[77]!, 10)).toEqual(index.search(vectors[77]!, 10));
    expect((await stat(file)).size).toBeGreaterThan(0);
    await expect(codec.load({ file: join(await tempDir(), "missing.hnsw") }, 32)).rejects.toThrow();
  });

  it("applies a label filter during search", async () => {
    const index = await codec.build(vectors, 32);
    const hits = index.search(vectors[10]!, 5, (label) => label % 2 === 1);
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.label % 2 === 1)).toBe(true);
  });

  it("rejects a vector of the wrong dimension", async () => {
    await expect(codec.build([new Float32Array(3)], 4)).rejects.toThrow(/3 dimensions, expected 4/);
  });

  it("returns nothing from an empty index", async () => {
    const index = await codec.build([], 8);
    expect(index.search(new Float32Array(8), 5)).toEqual([]);
  });
});
