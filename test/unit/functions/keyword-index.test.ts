import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../../../functions/adapters/keyword/analyzer.js";
import { Bm25Builder, type IndexedChunk } from "../../../functions/adapters/keyword/bm25-builder.js";
import { KeywordIndexFormatError } from "../../../functions/adapters/keyword/bm25-file.js";
import { Bm25Index, DEFAULT_BM25, type Bm25Params } from "../../../functions/adapters/keyword/bm25-index.js";
import { byScoreThenId } from "../../../functions/adapters/keyword/top-k.js";

// Random corpora of real-ish words: a small vocabulary makes many terms shared, long lists and many ties.
const WORDS =
  "vacation days leave policy deploy rollback incident page alert review code branch merge release laptop security password expense travel budget hiring interview onboarding buddy team manager".split(
    " ",
  );
const text = (maxWords: number) =>
  fc.array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: maxWords }).map((w) => w.join(" "));
const corpus = fc.array(
  fc.record({
    title: text(4),
    chunks: fc.array(fc.record({ heading: text(2), text: fc.oneof(text(30), text(4)) }), {
      minLength: 1,
      maxLength: 5,
    }),
  }),
  { minLength: 1, maxLength: 40 },
);

function build(docs: { title: string; chunks: { heading: string; text: string }[] }[], params?: Bm25Params) {
  const builder = new Bm25Builder(params);
  docs.forEach((d, doc) => d.chunks.forEach((c) => builder.add({ doc, title: d.title, ...c })));
  return builder.finish();
}

/** The reference for the index: score every chunk (no pruning), then sort, cap per document and take k. */
function exhaustiveSearch(
  index: Bm25Index,
  query: string,
  k: number,
  filter?: (label: number) => boolean,
  cap = Infinity,
) {
  const all = [...index.scoreAll(query)]
    .map((score, id) => ({ id, score }))
    .filter((s) => s.score > 0 && (!filter || filter(s.id)))
    .sort(byScoreThenId);
  // The cap, walked in order: the simplest statement of "at most cap per document".
  const perDoc = new Map<number, number>();
  return all
    .filter((s) => {
      const n = perDoc.get(index.docOf(s.id)) ?? 0;
      perDoc.set(index.docOf(s.id), n + 1);
      return n < cap;
    })
    .slice(0, k);
}

describe("the keyword index", () => {
  it("search equals exhaustive scoring on random corpora, queries, depths, filters and caps (property)", () => {
    fc.assert(
      fc.property(
        corpus,
        text(8),
        fc.integer({ min: 1, max: 30 }),
        fc.option(fc.integer({ min: 1, max: 3 })),
        fc.option(fc.integer({ min: 2, max: 5 })),
        fc.constantFrom(0, 0.5, 1, 3),
        (docs, query, k, cap, modulus, docWeight) => {
          const index = build(docs, { ...DEFAULT_BM25, doc: { ...DEFAULT_BM25.doc, weight: docWeight } });
          // A document-level filter, as the server's are (path, source, type).
          const filter = modulus === null ? undefined : (label: number) => index.docOf(label) % modulus !== 0;
          const options = {
            ...(filter ? { filter } : {}),
            ...(cap === null ? {} : { maxPerDocument: cap }),
          };
          expect(index.search(query, k, options)).toEqual(
            exhaustiveSearch(index, query, k, filter, cap ?? Infinity),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("answers the same after a round trip through its file", () => {
    fc.assert(
      fc.property(corpus, text(6), (docs, query) => {
        const index = build(docs);
        const loaded = Bm25Index.load(index.serialize());
        expect(loaded.search(query, 10)).toEqual(index.search(query, 10));
        expect(loaded.size).toBe(index.size);
      }),
      { numRuns: 100 },
    );
  });

  it("loads from bytes at any offset of a larger buffer", () => {
    const bytes = build([
      { title: "Time off", chunks: [{ heading: "Vacation", text: "vacation days policy" }] },
    ]).serialize();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Bm25Index.load(shifted.subarray(3)).search("vacation", 1)).toHaveLength(1);
  });

  it("refuses a file that is not a keyword index, or is cut short", () => {
    const bytes = build([{ title: "T", chunks: [{ heading: "", text: "deploy rollback" }] }]).serialize();
    expect(() => Bm25Index.load(new TextEncoder().encode('{"a":1}'))).toThrow(KeywordIndexFormatError);
    expect(() => Bm25Index.load(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
  });

  it("scores BM25F at chunk level plus the document's BM25, as the formula says", () => {
    const params: Bm25Params = {
      k1: 1.2,
      fields: {
        title: { weight: 2, b: 0.75 },
        heading: { weight: 1.5, b: 0.75 },
        text: { weight: 1, b: 0.75 },
      },
      doc: { k1: 1.2, b: 0.75, weight: 0.5 },
    };
    const chunks: IndexedChunk[] = [
      { doc: 0, title: "Time off", heading: "Vacation", text: "vacation vacation days" },
      { doc: 0, title: "Time off", heading: "Sick leave", text: "sick days" },
      { doc: 1, title: "Deploys", heading: "", text: "deploy on fridays never" },
    ];
    const builder = new Bm25Builder(params);
    chunks.forEach((c) => builder.add(c));
    const index = builder.finish();

    // By hand, for the query "vacation" and chunk 0.
    const N = 3;
    const idf = (df: number, n: number) => Math.round(Math.log(1 + (n - df + 0.5) / (df + 0.5)) * 4096);
    const lengths = chunks.map((c) => ({
      t: analyze(c.title).length,
      h: analyze(c.heading).length,
      x: analyze(c.text).length,
    }));
    const avg = (f: "t" | "h" | "x") => lengths.reduce((s, l) => s + l[f], 0) / N;
    const norm = (f: "t" | "h" | "x", b: number) => 1 - b + (b * lengths[0]![f]) / avg(f);
    const ptf = (1.5 * 1) / norm("h", 0.75) + (1 * 2) / norm("x", 0.75);
    const chunkImpact = Math.round((ptf / (1.2 + ptf)) * 255);
    // Document 0 holds "vacation" 2 times (its text; headings are the chunks'), length: title once + texts.
    const docLen = [
      analyze("Time off vacation vacation days sick days").length,
      analyze("Deploys deploy on fridays never").length,
    ];
    const docAvg = (docLen[0]! + docLen[1]!) / 2;
    const docImpact = Math.round((2 / (2 + 1.2 * (1 - 0.75 + (0.75 * docLen[0]!) / docAvg))) * 255);
    const expected = idf(1, 3) * chunkImpact + 0.5 * idf(1, 2) * docImpact;
    expect(index.scoreAll("vacation")[0]).toBe(expected);
    expect(index.search("vacation", 3)).toEqual([
      { id: 0, score: expected },
      { id: 1, score: 0.5 * idf(1, 2) * docImpact },
    ]);
  });

  it("stems and drops stopwords and runaway tokens the same way at index and query time", () => {
    expect(analyze("How many vacation days should I take?")).toEqual([
      "mani",
      "vacat",
      "dai",
      "should",
      "take",
    ]);
    expect(analyze(`key ${"x".repeat(41)} 2026`)).toEqual(["kei", "2026"]);
    const index = build([
      { title: "Leave", chunks: [{ heading: "", text: "Vacations are taken in days." }] },
    ]);
    expect(index.search("vacation day", 1)).toHaveLength(1);
  });
});
