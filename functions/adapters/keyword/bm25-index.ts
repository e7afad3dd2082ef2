/**
 * Thoth's keyword index (bundle format 2): BM25F over a chunk's title, heading path and text, plus a BM25
 * score of the whole document the chunk belongs to, so a document split into chunks keeps the evidence of
 * all of them. Every (term, chunk) and (term, document) pair is stored as a one-byte impact in typed arrays;
 * a query adds integer weight × impact products term at a time into reusable accumulators and selects the
 * best (top-k.ts). The file loads as typed-array views over its bytes: nothing is parsed per posting.
 *
 * Ranking of chunk c in document d for query q:
 *   score(c) = Σ_t idf_chunk(t)·impact_chunk(t, c) + docWeight · Σ_t idf_doc(t)·impact_doc(t, d)
 *   impact_chunk = ptf / (k1 + ptf),  ptf = Σ_f w_f·tf_f / (1 − b_f + b_f·len_f / avglen_f)   (BM25F)
 *   impact_doc   = tf / (tf + k1·(1 − b + b·len / avglen))                                    (BM25)
 * Impacts are quantised to 1..255 and idf to integers, so scores are exact integers (no summation-order
 * effects) and `search` returns exactly what the plain reference `scoreAll` ranks, with the per-document cap
 * (test/unit/functions/keyword-index.test.ts checks it on random corpora).
 */
import { forEachTerm } from "./analyzer.js";
import { decode, encode } from "./bm25-file.js";
import { IDF_SCALE, idf, type Bm25Params, type IndexParts, type Postings } from "./params.js";
import { KthLargest, Scratch, accumulate, capped, type Scored, type TermList } from "./top-k.js";

export { DEFAULT_BM25, type Bm25Params } from "./params.js";

export interface KeywordSearchOptions {
  /** Only chunks for which this returns true (a document-level condition: path, source, type). */
  filter?: (label: number) => boolean;
  /** At most this many chunks of one document among the results (default: no limit). */
  maxPerDocument?: number;
}

/** A query's postings at one level: one list per distinct known term. */
interface Level {
  lists: TermList[];
}

export class Bm25Index {
  readonly #firstChunk: Uint32Array;
  readonly #scratch: Scratch;

  constructor(private readonly parts: IndexParts) {
    // A document's chunks are contiguous: where each starts, for "all chunks of document d".
    const first = new Uint32Array(parts.docCount + 1).fill(parts.chunkCount);
    for (let label = parts.chunkCount - 1; label >= 0; label--) first[parts.docOfChunk[label]!] = label;
    for (let d = parts.docCount - 1; d >= 0; d--) first[d] = Math.min(first[d]!, first[d + 1]!);
    this.#firstChunk = first;
    this.#scratch = new Scratch(parts.chunkCount, parts.docCount);
  }

  get size(): number {
    return this.parts.chunkCount;
  }

  get params(): Bm25Params {
    return this.parts.params;
  }

  /** The query's term lists at chunk and document level (unknown terms dropped, repeats counted once). */
  lists(query: string): { chunk: Level; doc: Level } {
    const seen = new Set<number>();
    const chunk: TermList[] = [];
    const doc: TermList[] = [];
    forEachTerm(query, (term) => {
      const t = this.#termIndex(term);
      if (t < 0 || seen.has(t) || seen.size >= 64) return;
      seen.add(t);
      chunk.push(this.#list(this.parts.chunk, t, this.parts.chunkCount));
      doc.push(this.#list(this.parts.doc, t, this.parts.docCount));
    });
    return { chunk: { lists: chunk }, doc: { lists: doc } };
  }

  #list(p: Postings, t: number, n: number): TermList {
    const start = p.offsets[t]!;
    const end = p.offsets[t + 1]!;
    return {
      ids: p.ids,
      impacts: p.impacts,
      start,
      end,
      weight: Math.round(idf(n, end - start) * IDF_SCALE),
    };
  }

  #termIndex(term: string): number {
    const v = this.parts.vocabulary;
    let lo = 0;
    let hi = v.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = v[mid]!;
      if (m === term) return mid;
      if (m < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * The k best chunks for `query`, best first, ties by smaller label, at most `maxPerDocument` per document.
   *
   * Term at a time over typed arrays: each query term's chunk and document postings are added into integer
   * accumulators, then one sequential pass over the chunks combines each chunk's score with its document's and
   * keeps those that can still be among the best (a heap holds the running threshold). Measured at 125k chunks
   * of real text (docs/benchmarks.md), this beat both pruning designs tried: document-at-a-time MaxScore cost
   * 4×, and term-at-a-time with the "continue" strategy 2×, because with 10–20-word queries most touched
   * chunks stay in the running until the last lists, so deciding what to skip costs more than the sequential
   * reads it saves.
   */
  search(query: string, k: number, options: KeywordSearchOptions = {}): Scored[] {
    if (k <= 0 || !this.parts.chunkCount) return [];
    const { chunk, doc } = this.lists(query);
    if (!chunk.lists.length) return [];
    const scratch = this.#scratch;
    accumulate(chunk.lists, scratch.chunk);
    if (this.parts.params.doc.weight > 0) accumulate(doc.lists, scratch.doc);
    try {
      const passes = docFilterCache(options.filter, this.#firstChunk);
      const cap = options.maxPerDocument ?? Infinity;
      const docOf = (label: number) => this.parts.docOfChunk[label]!;
      // Capping can drop candidates, so it looks 2k deep first, and deeper only when that left fewer than k.
      for (let depth = cap === Infinity ? k : 2 * k; ; depth *= 4) {
        const { n, complete } = this.#candidates(depth, passes);
        const results = capped(scratch.ids, scratch.scores, n, k, cap, docOf);
        if (results.length === k || complete) return results;
      }
    } finally {
      scratch.reset();
    }
  }

  /**
   * Every chunk whose combined score is among the `depth` best (ties included) of those that pass, into the
   * scratch candidate arrays; `complete` when no scoring chunk was left out.
   */
  #candidates(depth: number, passes: (doc: number) => boolean): { n: number; complete: boolean } {
    const { chunk, doc, ids, scores } = this.#scratch;
    const { docOfChunk, chunkCount } = this.parts;
    const weight = this.parts.params.doc.weight;
    const best = new KthLargest(depth);
    let n = 0;
    let complete = true;
    // The depth-th best so far once `depth` were kept (a score below it cannot be among the best); 0 till then.
    let floor = 0;
    for (let label = 0; label < chunkCount; label++) {
      const d = docOfChunk[label]!;
      const s = chunk[label]! + weight * doc[d]!;
      if (s === 0) continue;
      if (s < floor) {
        complete = false;
        continue;
      }
      if (!passes(d)) continue;
      best.offer(s);
      if (best.full) floor = best.value;
      ids[n] = label;
      scores[n++] = s;
    }
    // Kept along the way, some fell below the final threshold.
    const cut = floor;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (scores[i]! < cut) continue;
      ids[m] = ids[i]!;
      scores[m++] = scores[i]!;
    }
    return { n: m, complete: complete && m === n };
  }

  /** The keyword score of every chunk, without pruning: the reference the tests hold `search` to. */
  scoreAll(query: string): Float64Array {
    const { chunk, doc } = this.lists(query);
    const weight = this.parts.params.doc.weight;
    const chunkScores = new Float64Array(this.parts.chunkCount);
    const docScores = new Float64Array(this.parts.docCount);
    for (const l of chunk.lists)
      for (let i = l.start; i < l.end; i++) chunkScores[l.ids[i]!]! += l.weight * l.impacts[i]!;
    for (const l of doc.lists)
      for (let i = l.start; i < l.end; i++) docScores[l.ids[i]!]! += l.weight * l.impacts[i]!;
    const out = new Float64Array(this.parts.chunkCount);
    for (let label = 0; label < out.length; label++) {
      const c = chunkScores[label]!;
      const d = docScores[this.parts.docOfChunk[label]!]!;
      out[label] = c + d > 0 ? c + weight * d : 0;
    }
    return out;
  }

  /** The document ordinal of a chunk. */
  docOf(label: number): number {
    return this.parts.docOfChunk[label]!;
  }

  serialize(): Uint8Array {
    return encode(this.parts);
  }

  static load(bytes: Uint8Array): Bm25Index {
    return new Bm25Index(decode(bytes));
  }
}

/** The filter, asked once per document (filters are conditions on a chunk's document). */
function docFilterCache(filter: ((label: number) => boolean) | undefined, firstChunk: Uint32Array) {
  if (!filter) return () => true;
  const known = new Map<number, boolean>();
  return (d: number) => {
    let ok = known.get(d);
    if (ok === undefined) known.set(d, (ok = firstChunk[d]! < firstChunk[d + 1]! && filter(firstChunk[d]!)));
    return ok;
  };
}
