import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TERM_CHARS, analyze } from "../../../functions/adapters/keyword/analyzer.js";
import { WordTable } from "../../../functions/adapters/keyword/word-table.js";

/** A table whose term ids map back to the terms, so a scan can be compared with the analyzer's terms. */
function table() {
  const ids = new Map<string, number>();
  const terms: string[] = [];
  const words = new WordTable((term) => {
    let id = ids.get(term);
    if (id === undefined) {
      ids.set(term, (id = terms.length));
      terms.push(term);
    }
    return id;
  });
  return (text: string) => {
    const n = words.scan(text);
    return Array.from(words.ids.subarray(0, n), (id) => terms[id]!);
  };
}

// Pieces that stress what a character scan can get wrong: case, stopwords, digits, the length cap, letters that
// lowercase to another length (İ) or by context (Σ at a word's end), letters and non-letters outside the BMP,
// lone surrogates, and punctuation of every kind.
const PIECES = [
  "Deploy",
  "DEPLOY",
  "deploys",
  "the",
  "The",
  "and",
  "2026",
  "v2",
  "x86",
  "a".repeat(MAX_TERM_CHARS),
  "b".repeat(MAX_TERM_CHARS + 1),
  "Café",
  "naïve",
  "İstanbul",
  "ΣΟΦΙΑΣ",
  "straße",
  "日本語",
  "𝑥𝑦",
  "😀",
  "\ud800",
  "\udc00",
  "–",
  "’s",
  "don't",
  " ",
  "  ",
  "\n",
  ".",
  ",",
  "-",
  "_",
  "/",
  "(",
  ")",
  "#",
];

describe("the index builder's word table", () => {
  it("finds the same terms as the analyzer, in the same order, for any text (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(...PIECES),
            fc.string({ maxLength: 12 }),
            fc.string({ unit: "grapheme", maxLength: 6 }),
          ),
          { maxLength: 40 },
        ),
        (pieces) => {
          const scan = table();
          // Twice, so the second pass reads every word from the table rather than interning it.
          for (const text of [pieces.join(""), pieces.join(" "), pieces.join(" ")])
            expect(scan(text)).toEqual(analyze(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps telling words apart as it grows past its first table", () => {
    const scan = table();
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}x`);
    expect(scan(words.join(" "))).toEqual(analyze(words.join(" ")));
    expect(scan(words.reverse().join(" "))).toEqual(analyze(words.join(" ")));
  });
});
