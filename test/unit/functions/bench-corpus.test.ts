import { describe, expect, it } from "vitest";
import { chunkMarkdown, estimateTokens } from "../../../functions/core/chunking.js";
import { generateCorpus, generateQueries } from "../../../scripts/bench/corpus.js";

describe("synthetic benchmark corpus", () => {
  it("is the same for the same seed and different for another", () => {
    expect(generateCorpus(50, 1)).toEqual(generateCorpus(50, 1));
    expect(generateCorpus(50, 1)).not.toEqual(generateCorpus(50, 2));
    expect(generateQueries(5)).toEqual(generateQueries(5));
  });

  it("chunks into the requested number of chunks", () => {
    const docs = generateCorpus(1000);
    const chunks = docs.reduce(
      (n, d) =>
        n + chunkMarkdown(d.text, { maxTokens: 200, overlapTokens: 32, countTokens: estimateTokens }).length,
      0,
    );
    expect(chunks).toBe(1000);
  });
});
