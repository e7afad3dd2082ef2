import fc from "fast-check";
import { stemmer } from "stemmer";
import { describe, expect, it } from "vitest";
import { MAX_TERM_CHARS, STOPWORDS, analyze } from "../../../functions/adapters/keyword/analyzer.js";
import { MAX_QUERY_TERMS } from "../../../functions/core/ports.js";
import { Bm25Builder, type IndexedChunk } from "../../../functions/adapters/keyword/bm25-builder.js";
import {
  KeywordIndexFormatError,
  decode,
  encode,
  encodeKW3,
} from "../../../functions/adapters/keyword/bm25-file.js";
import { readHeader } from "../../../functions/adapters/keyword/bm25-format.js";
import { layout } from "../../../functions/adapters/keyword/bm25-terms.js";
import { RangedBm25 } from "../../../functions/adapters/keyword/bm25-ranges.js";
import type { IndexParts } from "../../../functions/adapters/keyword/params.js";
import { Bm25Index } from "../../../functions/adapters/keyword/bm25-index.js";
import { DEFAULT_BM25, type Bm25Params } from "../../../functions/adapters/keyword/params.js";
import { byScoreThenLabel } from "../../../functions/adapters/keyword/top-k.js";

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
    .map((score, label) => ({ label, score }))
    .filter((s) => s.score > 0 && (!filter || filter(s.label)))
    .sort(byScoreThenLabel);
  // The cap, walked in order: the simplest statement of "at most cap per document".
  const perDoc = new Map<number, number>();
  return all
    .filter((s) => {
      const n = perDoc.get(index.docOf(s.label)) ?? 0;
      perDoc.set(index.docOf(s.label), n + 1);
      return n < cap;
    })
    .slice(0, k);
}

/**
 * The query the reference scores, chosen without the index's code: the query's distinct terms that occur in
 * the corpus, and of more than MAX_QUERY_TERMS the rarest (fewest chunks, then by term); the words of the query
 * whose terms were kept.
 */
function referenceQuery(
  docs: { title: string; chunks: { heading: string; text: string }[] }[],
  query: string,
) {
  const chunkDf = new Map<string, number>();
  for (const d of docs)
    for (const c of d.chunks)
      for (const t of new Set(analyze(`${d.title} ${c.heading} ${c.text}`)))
        chunkDf.set(t, (chunkDf.get(t) ?? 0) + 1);
  const terms = [...new Set(analyze(query))].filter((t) => chunkDf.has(t));
  const kept = new Set(
    terms
      .sort()
      .sort((a, b) => chunkDf.get(a)! - chunkDf.get(b)!)
      .slice(0, MAX_QUERY_TERMS),
  );
  return query
    .split(/\s+/)
    .filter((w) => analyze(w).every((t) => kept.has(t)))
    .join(" ");
}

/** What the THOTHKW2 writer wrote: no bounds, and no document postings for heading-only terms. */
function asFormatKW2(parts: IndexParts): IndexParts {
  const { offsets, ids, impacts } = parts.doc;
  const keep = (i: number) => impacts[i] !== 0;
  const next = new Uint32Array(offsets.length);
  for (let t = 0; t + 1 < offsets.length; t++) {
    let n = 0;
    for (let i = offsets[t]!; i < offsets[t + 1]!; i++) if (keep(i)) n++;
    next[t + 1] = next[t]! + n;
  }
  const kept = [...ids.keys()].filter(keep);
  const { bounds: _bounds, ...rest } = parts;
  return {
    ...rest,
    doc: {
      offsets: next,
      ids: Uint32Array.from(kept, (i) => ids[i]!),
      impacts: Uint8Array.from(kept, (i) => impacts[i]!),
    },
  };
}

/**
 * A search's options from drawn values: at most `cap` chunks a document, and a document-level filter, as the
 * server's are (path, source, type), keeping documents whose ordinal `modulus` does not divide.
 */
function searchOptions(index: Bm25Index, cap: number | null, modulus: number | null) {
  const filter = modulus === null ? undefined : (label: number) => index.docOf(label) % modulus !== 0;
  const options = { ...(filter ? { filter } : {}), ...(cap === null ? {} : { maxPerDocument: cap }) };
  return { filter, options };
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
          const { filter, options } = searchOptions(index, cap, modulus);
          expect(index.search(query, k, options)).toEqual(
            exhaustiveSearch(index, referenceQuery(docs, query), k, filter, cap ?? Infinity),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("scores the rarest MAX_QUERY_TERMS terms of a longer query, whatever their order (property)", () => {
    // A vocabulary larger than the term cap; queries of up to 150 of its words.
    const vocabulary = Array.from(
      { length: 150 },
      (_, i) => `zq${"bcdfghjklm"[i % 10]}${"prstvwxyz"[((i / 10) % 9) | 0]}${"bdgk"[(i / 90) | 0]}`,
    );
    const words = (max: number) =>
      fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: max }).map((w) => w.join(" "));
    const docs = fc.array(
      fc.record({
        title: words(3),
        chunks: fc.array(fc.record({ heading: words(2), text: words(40) }), { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(
        docs,
        fc.shuffledSubarray(vocabulary, { minLength: 65, maxLength: 150 }),
        fc.integer({ min: 1, max: 20 }),
        (corpus, query, k) => {
          const index = build(corpus);
          const ranked = index.search(query.join(" "), k);
          expect(index.search([...query].reverse().join(" "), k)).toEqual(ranked);
          expect(ranked).toEqual(exhaustiveSearch(index, referenceQuery(corpus, query.join(" ")), k));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("reads a document's title on its first chunk only, and counts it once for the document", () => {
    const docs = [
      {
        title: "vacation policy",
        chunks: [
          { heading: "leave", text: "days off" },
          { heading: "", text: "budget" },
        ],
      },
      {
        title: "deploy",
        chunks: [
          { heading: "", text: "rollback release" },
          { heading: "x", text: "merge" },
        ],
      },
    ];
    const expected = build(docs).serialize();
    // The same index whatever later chunks of a document pass as title (the worker sends it once).
    const builder = new Bm25Builder();
    docs.forEach((d, doc) =>
      d.chunks.forEach((c, i) =>
        builder.add({ doc, title: i === 0 ? d.title : "anything else at all", ...c }),
      ),
    );
    expect(Buffer.from(builder.finish().serialize()).equals(Buffer.from(expected))).toBe(true);
  });

  it("writes the same file whatever its page size: postings across many pages, and pages a chunk outgrows (property)", () => {
    fc.assert(
      fc.property(corpus, fc.integer({ min: 1, max: 24 }), fc.boolean(), (docs, pageSize, gaps) => {
        // With gaps, every other ordinal is a document without chunks (it still gets a place, with none).
        const write = (builder: Bm25Builder) => {
          docs.forEach((d, i) =>
            d.chunks.forEach((c) => builder.add({ doc: gaps ? 2 * i : i, title: d.title, ...c })),
          );
          return Buffer.from(builder.finish().serialize());
        };
        expect(write(new Bm25Builder(DEFAULT_BM25, pageSize)).equals(write(new Bm25Builder()))).toBe(true);
      }),
      { numRuns: 200 },
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

  it("refuses, when opened, a file whose offsets, ids or counts are out of range (checksums cannot see it)", () => {
    const docs = [
      {
        title: "deploy",
        chunks: [
          { heading: "a", text: "rollback release merge" },
          { heading: "", text: "page" },
        ],
      },
      { title: "leave", chunks: [{ heading: "", text: "vacation days rollback" }] },
    ];
    const bytes = build(docs).serialize();
    expect(() => Bm25Index.load(bytes)).not.toThrow();
    const corruptions: ((p: IndexParts) => void)[] = [
      (p) => (p.chunk.offsets[1] = 0xfffffff0),
      (p) => (p.doc.offsets[2] = 0),
      (p) => (p.chunk.ids[0] = 99),
      (p) => (p.doc.ids[p.doc.ids.length - 1] = 7),
      (p) => (p.docOfChunk[0] = 1),
      (p) => (p.docOfChunk[0] = 5),
      (p) => (p.bounds!.df[0] = 1000),
      (p) => p.vocabulary.reverse(),
      (p) => (p.params = { ...p.params, k1: Number.NaN }),
      (p) => (p.chunkCount = -1),
    ];
    for (const [i, corrupt] of corruptions.entries()) {
      const parts = decode(bytes.slice()); // each corruption starts from the sound file
      corrupt(parts);
      // Written section-major (THOTHKW3), where each array stands as it is in the file.
      expect(() => decode(encodeKW3(parts)), `corruption ${i}`).toThrow(KeywordIndexFormatError);
    }
    // The term-major file (THOTHKW4), corrupted in its bytes: its directory, a block, its length.
    const { header, at } = readHeader(bytes);
    const { end } = layout(header, at);
    const words = (file: Uint8Array) => new DataView(file.buffer, file.byteOffset, file.byteLength);
    const chunkOffsetsAt = at + ((header.vocabularyBytes + 3) & ~3);
    const docOffsetsAt = chunkOffsetsAt + 4 * (header.terms + 1);
    const blocksAt = docOffsetsAt + 4 * (header.terms + 1);
    const docOfChunkAt = end - 4 * header.chunkCount;
    const patches: ((file: Uint8Array) => Uint8Array)[] = [
      (f) => (words(f).setUint32(chunkOffsetsAt + 4, 0xfffffff0, true), f),
      (f) => (words(f).setUint32(docOffsetsAt + 8, 0, true), f),
      (f) => (words(f).setUint32(blocksAt + 4, words(f).getUint32(blocksAt + 4, true) + 1, true), f),
      (f) => (words(f).setUint32(end, 99, true), f), // the first term's first chunk id
      (f) => (words(f).setUint32(docOfChunkAt, 5, true), f),
      (f) => f.subarray(0, f.length - 1),
      (f) => f.subarray(0, end - 3),
      (f) => f.subarray(0, 10),
    ];
    for (const [i, patch] of patches.entries())
      expect(() => Bm25Index.load(patch(bytes.slice())), `KW4 corruption ${i}`).toThrow(
        KeywordIndexFormatError,
      );
  });

  it("writes term-major files (THOTHKW4) and still reads the section-major ones before them (THOTHKW3), the same", () => {
    fc.assert(
      fc.property(corpus, text(6), fc.integer({ min: 1, max: 12 }), (docs, query, k) => {
        const index = build(docs);
        const bytes = index.serialize();
        expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("THOTHKW4");
        const kw3 = encodeKW3(decode(bytes));
        expect(new TextDecoder().decode(kw3.subarray(0, 8))).toBe("THOTHKW3");
        expect(decode(kw3)).toEqual(decode(bytes));
        expect(Bm25Index.load(kw3).search(query, k)).toEqual(index.search(query, k));
        // And back: the same term-major bytes from the parts read out of either.
        expect(Buffer.from(encode(decode(kw3))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("answers by range, one read per query term after the directory, exactly as over the whole file (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        text(8),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 3 })),
        fc.option(fc.integer({ min: 2, max: 5 })),
        async (docs, query, k, cap, modulus) => {
          const index = build(docs);
          const file = index.serialize();
          const reads: [number, number][] = [];
          const ranged = (await RangedBm25.open(async (start, end) => {
            reads.push([start, end]);
            return file.slice(start, end);
          }))!;
          const sliced = await ranged.forQuery(query);
          const { options } = searchOptions(index, cap, modulus);
          expect(sliced.search(query, k, options)).toEqual(index.search(query, k, options));
          // The header and directory (small here: one read), then one block per distinct known query term.
          expect(reads).toHaveLength(1 + index.lists(query).chunk.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads by range a directory longer than the first read, keeps blocks for later queries, and declines older files", async () => {
    // Enough distinct words that the vocabulary and chunk documents outgrow the first 64 KiB read.
    const words = Array.from({ length: 12_000 }, (_, i) => `w${i.toString(36)}x`);
    const docs = Array.from({ length: 300 }, (_, d) => ({
      title: `doc ${d}`,
      chunks: [{ heading: "", text: words.slice(d * 40, d * 40 + 40).join(" ") + " shared" }],
    }));
    const index = build(docs);
    const file = index.serialize();
    const reads: [number, number][] = [];
    const read = async (start: number, end: number) => (reads.push([start, end]), file.slice(start, end));
    const ranged = (await RangedBm25.open(read))!;
    expect(reads).toHaveLength(2);
    expect(reads[1]![1]).toBeGreaterThan(64 * 1024);
    const query = `${words[45]} shared`;
    expect((await ranged.forQuery(query)).search(query, 5)).toEqual(index.search(query, 5));
    expect(reads).toHaveLength(4);
    await ranged.forQuery(`shared ${words[45]}`);
    expect(reads).toHaveLength(4);
    // A section-major file (THOTHKW3) is not read by range: the caller reads it whole.
    const kw3 = encodeKW3(decode(file));
    expect(await RangedBm25.open(async (start, end) => kw3.slice(start, end))).toBeUndefined();
  });

  it("reads a file without document bounds (THOTHKW2) and answers the same, unpruned", () => {
    fc.assert(
      fc.property(corpus, text(6), fc.integer({ min: 1, max: 12 }), (docs, query, k) => {
        const index = build(docs);
        const bytes = encodeKW3(asFormatKW2(decode(index.serialize())));
        expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("THOTHKW2");
        const old = Bm25Index.load(bytes);
        expect(old.search(query, k, { maxPerDocument: 2 })).toEqual(
          index.search(query, k, { maxPerDocument: 2 }),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("keeps a document whose bound only ties the floor: its chunk can still win the tie by label", () => {
    // One term ("rollback" as the analyzer keeps it). Document 0 has one chunk (label 0); document 1 two (labels 1, 2; only label 1 has the term);
    // document 2 none. Chunk and document idf are equal (3 chunks, 2 with it; 3 documents, 2 with it): W.
    // Scores: label 0 = 50W + 150W = 200W, label 1 = 200W + 100W = 300W, label 2 = 200W (document part only).
    // The floor for k = 2 is 200W (document 1 counts twice); document 0's bound is 50W + 150W = 200W.
    const parts: IndexParts = {
      params: { ...DEFAULT_BM25, doc: { ...DEFAULT_BM25.doc, weight: 1 } },
      vocabulary: analyze("rollback"),
      chunkCount: 3,
      docCount: 3,
      chunk: { offsets: Uint32Array.of(0, 2), ids: Uint32Array.of(0, 1), impacts: Uint8Array.of(150, 100) },
      doc: { offsets: Uint32Array.of(0, 2), ids: Uint32Array.of(0, 1), impacts: Uint8Array.of(50, 200) },
      docOfChunk: Uint32Array.of(0, 1, 1),
      bounds: { maxChunkImpact: Uint8Array.of(150, 100), df: Uint32Array.of(2) },
    };
    const index = new Bm25Index(parts);
    expect(index.search("rollback", 2).map((s) => s.label)).toEqual([1, 0]);
    expect(index.search("rollback", 2)).toEqual(exhaustiveSearch(index, "rollback", 2));
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
      { label: 0, score: expected },
      { label: 1, score: 0.5 * idf(1, 2) * docImpact },
    ]);
  });

  it("finds the same words on its ASCII fast path as the Unicode word pattern does (property)", () => {
    const reference = (text: string) =>
      [...text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)]
        .map((m) => m[0])
        .filter((w) => w.length <= MAX_TERM_CHARS && !STOPWORDS.has(w));
    const stemmed = (text: string) => reference(text).map((w) => (/^\p{N}+$/u.test(w) ? w : stemmer(w)));
    const ascii = fc.string({ unit: "binary-ascii", maxLength: 300 });
    const mixed = fc.string({ unit: "grapheme", maxLength: 100 });
    fc.assert(
      fc.property(fc.oneof(ascii, mixed), (text) => {
        expect(analyze(text)).toEqual(stemmed(text));
      }),
      { numRuns: 2000 },
    );
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
