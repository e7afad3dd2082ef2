import { readFile } from "node:fs/promises";
import type { ScoredLabel, VectorIndex, VectorIndexCodec } from "../../functions/core/ports.js";

/**
 * An exact (brute-force cosine) vector index in plain TypeScript, for unit tests: the same VectorIndexCodec
 * contract as hnswlib's, without the native addon (which integration tests exercise).
 */
class ExactVectorIndex implements VectorIndex {
  constructor(private readonly vectors: Float32Array[]) {}

  get size(): number {
    return this.vectors.length;
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): ScoredLabel[] {
    const scored: ScoredLabel[] = [];
    this.vectors.forEach((v, label) => {
      if (filter && !filter(label)) return;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * query[i]!;
      scored.push({ label, score: dot });
    });
    return scored.sort((a, b) => b.score - a.score || a.label - b.label).slice(0, k);
  }

  vector(label: number): Float32Array {
    return this.vectors[label]!;
  }

  async serialize(): Promise<Uint8Array> {
    const dims = this.vectors[0]?.length ?? 0;
    const out = new Float32Array(1 + this.vectors.length * dims);
    out[0] = dims;
    this.vectors.forEach((v, i) => out.set(v, 1 + i * dims));
    return new Uint8Array(out.buffer);
  }
}

export const exactVectorCodec: VectorIndexCodec = {
  params: { exact: 1 },
  async build(vectors, dimensions) {
    vectors.forEach((v, i) => {
      if (v.length !== dimensions)
        throw new RangeError(`vector ${i} has ${v.length} dimensions, expected ${dimensions}`);
    });
    return new ExactVectorIndex(vectors.map((v) => Float32Array.from(v)));
  },
  async load(source, dimensions) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(await readFile(source.file));
    const all = new Float32Array(bytes.slice().buffer);
    const dims = all[0] || dimensions;
    const vectors: Float32Array[] = [];
    for (let at = 1; at + dims <= all.length; at += dims) vectors.push(all.slice(at, at + dims));
    return new ExactVectorIndex(vectors);
  },
};
