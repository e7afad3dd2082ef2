import type { Embedder } from "../../functions/core/ports.js";

/**
 * A deterministic bag-of-words embedder for unit tests (the real transformers.js path is covered by the
 * integration tests): each word hashes to a dimension, vectors are L2-normalised. Counts calls.
 */
export class HashingEmbedder implements Embedder {
  readonly maxTokens = 512;
  calls = 0;
  embedded = 0;

  constructor(
    readonly modelId = "test/hashing",
    readonly dimensions = 128,
  ) {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    this.embedded += texts.length;
    return texts.map((text) => {
      const v = new Float32Array(this.dimensions);
      for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        let h = 2166136261;
        for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
        v[(h >>> 0) % this.dimensions]! += 1;
      }
      const norm = Math.hypot(...v) || 1;
      return v.map((x) => x / norm);
    });
  }

  countTokens(text: string): number {
    return (text.match(/\S+/g) ?? []).length;
  }
}
