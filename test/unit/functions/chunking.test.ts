import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkMarkdown, estimateTokens, maxNestingDepth } from "../../../functions/core/chunking.js";
import { MAX_HEADING_CHARS } from "../../../functions/core/labels.js";

const words = (n: number, word = "alpha") => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");
const options = { maxTokens: 50, overlapTokens: 10, countTokens: estimateTokens };

describe("chunkMarkdown", () => {
  it("keeps the heading path of every chunk", () => {
    const md =
      "# Guide\n\nIntro text.\n\n## Deploys\n\nHow to deploy.\n\n### Rollback\n\nHow to roll back.\n\n## Leave\n\nVacation rules.";
    const chunks = chunkMarkdown(md, options);
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [["Guide"], "Intro text."],
      [["Guide", "Deploys"], "How to deploy."],
      [["Guide", "Deploys", "Rollback"], "How to roll back."],
      [["Guide", "Leave"], "Vacation rules."],
    ]);
  });

  it("packs small paragraphs of one section together", () => {
    const chunks = chunkMarkdown("## A\n\nOne.\n\nTwo.\n\nThree.", options);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe("One.\n\nTwo.\n\nThree.");
  });

  it("never exceeds the token budget and overlaps consecutive chunks", () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} talks about deploys.`).join(
      " ",
    );
    const chunks = chunkMarkdown(`# Long\n\n${sentences}`, options);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(options.maxTokens);
      expect(estimateTokens(chunk.text)).toBeLessThanOrEqual(options.maxTokens + 2);
    }
    for (let i = 1; i < chunks.length; i++) {
      const lastSentence = chunks[i - 1]!.text.split(/(?<=\.) /).pop()!;
      expect(chunks[i]!.text.startsWith(lastSentence)).toBe(true);
    }
    // Every sentence survives.
    const all = chunks.map((c) => c.text).join(" ");
    for (let i = 0; i < 40; i++) expect(all).toContain(`Sentence number ${i} `);
  });

  it("splits a single overlong sentence into runs of whole words", () => {
    const chunks = chunkMarkdown(words(200), { ...options, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.tokens <= 50)).toBe(true);
    expect(chunks.map((c) => c.text).join(" ")).toBe(words(200));
  });

  it("splits long code blocks by lines, never inside a line", () => {
    const code =
      "```\n" + Array.from({ length: 60 }, (_, i) => `line_${i} = compute(${i})`).join("\n") + "\n```";
    const chunks = chunkMarkdown(`# Code\n\n${code}`, options);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      for (const line of chunk.text.split("\n")) expect(line).toMatch(/^(```|line_\d+ = compute\(\d+\))$/);
    }
  });

  it("does not treat # inside code fences as headings", () => {
    const chunks = chunkMarkdown("# Real\n\n```sh\n# a shell comment\necho hi\n```", options);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.headingPath).toEqual(["Real"]);
  });

  it("returns no chunks for headings without text", () => {
    expect(chunkMarkdown("# Only\n\n## Headings", options)).toEqual([]);
  });

  it("bounds every heading of the path to MAX_HEADING_CHARS of printable text", () => {
    const huge = Array.from({ length: 50_000 }, (_, i) => `w${i}`).join(" ");
    const chunks = chunkMarkdown(`# ${huge}\n\n## [a](x) \u0007bell\n\nbody text`, {
      maxTokens: 50,
      overlapTokens: 0,
      countTokens: estimateTokens,
    });
    const [top, sub] = chunks[0]!.headingPath;
    expect(top!.length).toBeLessThanOrEqual(MAX_HEADING_CHARS);
    expect(top).toMatch(/^w0 w1 .*…$/);
    expect(sub).toBe("a bell");
    // A heading of brackets (the link pattern's worst case) is read in linear time: 100k of them at once.
    const brackets = chunkMarkdown(`# ${"[".repeat(100_000)}\n\nbody`, {
      maxTokens: 50,
      overlapTokens: 0,
      countTokens: estimateTokens,
    });
    expect(brackets[0]!.headingPath[0]).toBe(`${"[".repeat(MAX_HEADING_CHARS - 1)}…`);
  });

  it("counts nesting by indentation as well as by markers on one line", () => {
    const tabs = Array.from({ length: 100 }, (_, i) => `${"\t".repeat(i)}- x`).join("\n");
    expect(maxNestingDepth(tabs)).toBe(1 + 99 * 2);
    expect(maxNestingDepth("- a\n  - b\n    - c")).toBe(3);
    expect(maxNestingDepth("> > - x")).toBe(3);
    expect(() =>
      chunkMarkdown(tabs, { maxTokens: 50, overlapTokens: 0, countTokens: estimateTokens }),
    ).toThrow(/nested 199 levels deep \(limit 64\)/);
  });

  it("rejects an overlap as large as the budget", () => {
    expect(() => chunkMarkdown("text", { ...options, overlapTokens: 50 })).toThrow(/overlapTokens/);
  });
});

describe("estimateTokens", () => {
  it("counts on its ASCII fast path exactly as the Unicode pattern does (property)", () => {
    const reference = (text: string) => {
      let n = 0;
      for (const m of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu))
        n += Math.max(1, Math.ceil(m[0].length / 6));
      return n;
    };
    const ascii = fc.string({ unit: "binary-ascii", maxLength: 300 });
    const mixed = fc.string({ unit: "grapheme", maxLength: 100 });
    fc.assert(
      fc.property(fc.oneof(ascii, mixed), (text) => {
        expect(estimateTokens(text)).toBe(reference(text));
      }),
      { numRuns: 2000 },
    );
  });
});
