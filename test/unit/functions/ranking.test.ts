import { describe, expect, it } from "vitest";
import { fuseLabels, makeSnippet, reciprocalRankFusion } from "../../../functions/core/ranking.js";

describe("reciprocalRankFusion", () => {
  it("ranks items found by both lists above items found by one", () => {
    const fused = fuseLabels([
      [
        { label: 1, score: 0.9 },
        { label: 2, score: 0.8 },
        { label: 3, score: 0.1 },
      ],
      [
        { label: 3, score: 12 },
        { label: 1, score: 11 },
        { label: 4, score: 1 },
      ],
    ]);
    expect(fused.map((h) => h.label)).toEqual([1, 3, 2, 4]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 10);
  });

  it("ignores the scale of the input scores", () => {
    const a = fuseLabels([[{ label: 7, score: 1000 }], [{ label: 8, score: 0.001 }]]);
    expect(a[0]!.score).toBeCloseTo(a[1]!.score, 12);
  });

  it("keeps the first item seen for a key", () => {
    const fused = reciprocalRankFusion([["a", "b"], ["b"]], (s) => s);
    expect(fused.map((f) => f.item)).toEqual(["b", "a"]);
  });
});

describe("makeSnippet", () => {
  const text = `${"intro words ".repeat(60)}the rollback button is here ${"trailing words ".repeat(60)}`;

  it("centres on the first query term and marks cuts", () => {
    const snippet = makeSnippet(text, "rollback", 100);
    expect(snippet).toContain("rollback");
    expect(snippet.startsWith("…")).toBe(true);
    expect(snippet.endsWith("…")).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(102);
  });

  it("returns short text whole, with whitespace folded", () => {
    expect(makeSnippet("a\n\nshort   text", "x")).toBe("a short text");
  });
});
