/** The benchmarks' stand-in for a 384-d embedding model: vectors shaped like a real model's, without one. */
import { estimateTokens } from "../../functions/core/chunking.js";
import type { Embedder } from "../../functions/core/ports.js";
import { mulberry32 } from "../tiny-model.js";

export const CLUSTERED_MODEL = "bench/clustered-384";

/**
 * Deterministic 384-dimensional vectors around 256 seeded centroids (a text's hash picks its cluster and its
 * offset): what a real model's vectors look like to hnsw (clustered, not uniform), without a model.
 */
export class ClusteredEmbedder implements Embedder {
  readonly modelId = CLUSTERED_MODEL;
  readonly dimensions = 384;
  readonly maxTokens = 512;
  readonly #centroids: Float32Array[];

  constructor(seed = 1) {
    const rand = mulberry32(seed);
    this.#centroids = Array.from({ length: 256 }, () =>
      unit(Float32Array.from({ length: 384 }, () => rand() - 0.5)),
    );
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => {
      let h = 2166136261;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
      const rand = mulberry32(h >>> 0);
      const centroid = this.#centroids[(h >>> 0) % 256]!;
      return unit(Float32Array.from(centroid, (c) => c + (rand() - 0.5) * 0.08));
    });
  }

  countTokens(text: string): number {
    return estimateTokens(text);
  }
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}
