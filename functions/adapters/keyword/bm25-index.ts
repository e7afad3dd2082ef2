/**
 * Thoth's keyword index (bundle format 2): BM25F over a chunk's title, heading path and text, plus a BM25
 * score of the whole document the chunk belongs to, so a document split into chunks keeps the evidence of
 * all of them. Every (term, chunk) and (term, document) pair is stored as a one-byte impact in typed arrays;
 * a query sums integer weight × impact products with MaxScore (top-k.ts), touching only postings that can
 * still reach the top k. The file loads as typed-array views over its bytes: nothing is parsed per posting.
 *
 * Ranking of chunk c in document d for query q:
 *   score(c) = Σ_t idf_chunk(t)·impact_chunk(t, c) + docWeight · Σ_t idf_doc(t)·impact_doc(t, d)
 *   impact_chunk = ptf / (k1 + ptf),  ptf = Σ_f w_f·tf_f / (1 − b_f + b_f·len_f / avglen_f)   (BM25F)
 *   impact_doc   = tf / (tf + k1·(1 − b + b·len / avglen))                                    (BM25)
 * Impacts are quantised to 1..255 and idf to integers, so scores are exact integers and the pruned search
 * returns exactly what exhaustive scoring would (test/unit/functions/keyword-index.test.ts checks it).
 */
import { forEachTerm } from "./analyzer.js";
import { decode, encode } from "./bm25-file.js";
import { IDF_SCALE, idf, type Bm25Params, type IndexParts, type Postings } from "./params.js";
import { byScoreThenId, impactOf, topK, type Scored, type TermList } from "./top-k.js";

export { DEFAULT_BM25, type Bm25Params } from "./params.js";

export interface KeywordSearchOptions {
  /** Only chunks for which this returns true (a document-level condition: path, source, type). */
  filter?: (label: number) => boolean;
  /** At most this many chunks of one document among the results (default: no limit). */
  maxPerDocument?: number;
  /** How deep the first round of the threshold algorithm reads (default max(32, 4k)); it grows as needed. */
  depth?: number;
}

/** A query's postings at one level: one list per distinct known term. */
interface Level {
  lists: TermList[];
}

export class Bm25Index {
  readonly #firstChunk: Uint32Array;

  constructor(private readonly parts: IndexParts) {
    // A document's chunks are contiguous: where each starts, for "all chunks of document d".
    const first = new Uint32Array(parts.docCount + 1).fill(parts.chunkCount);
    for (let label = parts.chunkCount - 1; label >= 0; label--) first[parts.docOfChunk[label]!] = label;
    for (let d = parts.docCount - 1; d >= 0; d--) first[d] = Math.min(first[d]!, first[d + 1]!);
    this.#firstChunk = first;
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
    let maxImpact = 0;
    for (let i = start; i < end; i++) if (p.impacts[i]! > maxImpact) maxImpact = p.impacts[i]!;
    return {
      ids: p.ids,
      impacts: p.impacts,
      start,
      end,
      weight: Math.round(idf(n, end - start) * IDF_SCALE),
      maxImpact,
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
   * The k best chunks for `query`, best first. Exact for the combined score: the chunk-level and
   * document-level top lists are taken `depth` deep, every chunk they name is scored in full, and the depth
   * grows until the k-th result beats anything outside both lists (the threshold algorithm, Fagin 2001).
   */
  search(query: string, k: number, options: KeywordSearchOptions = {}): Scored[] {
    if (k <= 0 || !this.parts.chunkCount) return [];
    const { chunk, doc } = this.lists(query);
    if (!chunk.lists.length) return [];
    const weight = this.parts.params.doc.weight;
    const { filter } = options;
    const docFilter = filter
      ? (d: number) => this.#firstChunk[d]! < this.#firstChunk[d + 1]! && filter(this.#firstChunk[d]!)
      : undefined;
    const cap = options.maxPerDocument ?? Infinity;
    for (let depth = Math.max(1, options.depth ?? Math.max(32, k * 4)); ; depth *= 4) {
      const topChunks = topK(chunk.lists, depth, filter);
      const topDocs = weight > 0 ? topK(doc.lists, depth, docFilter) : [];
      const chunkScores = new Map(topChunks.map((s) => [s.id, s.score]));
      const docScores = new Map(topDocs.map((s) => [s.id, s.score]));
      const candidates = new Set(chunkScores.keys());
      for (const { id: d } of topDocs) {
        for (let label = this.#firstChunk[d]!; label < this.#firstChunk[d + 1]!; label++)
          candidates.add(label);
      }
      const scored: Scored[] = [];
      for (const label of candidates) {
        if (filter && !chunkScores.has(label) && !filter(label)) continue;
        const d = this.parts.docOfChunk[label]!;
        const c = chunkScores.get(label) ?? sumOf(chunk.lists, label);
        const ds = weight > 0 ? (docScores.get(d) ?? sumOf(doc.lists, d)) : 0;
        if (c + ds > 0) scored.push({ id: label, score: c + weight * ds });
      }
      scored.sort(byScoreThenId);
      const results = capPerDocument(scored, cap, k, (label) => this.parts.docOfChunk[label]!);
      const exhaustive = topChunks.length < depth && topDocs.length < depth;
      // Anything outside both lists scores at most the depth-th chunk score + weight × the depth-th doc score.
      const bound =
        (topChunks.length < depth ? 0 : topChunks[depth - 1]!.score) +
        weight * (topDocs.length < depth || weight === 0 ? 0 : topDocs[depth - 1]!.score);
      if (exhaustive || (results.length === k && results[k - 1]!.score > bound)) return results;
    }
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

function sumOf(lists: TermList[], id: number): number {
  let s = 0;
  for (const l of lists) s += impactOf(l, id);
  return s;
}

/** The first `k` of `sorted`, skipping chunks of a document that already has `cap` of them. */
export function capPerDocument(
  sorted: Scored[],
  cap: number,
  k: number,
  docOf: (label: number) => number,
): Scored[] {
  const perDoc = new Map<number, number>();
  const out: Scored[] = [];
  for (const s of sorted) {
    const d = docOf(s.id);
    const n = perDoc.get(d) ?? 0;
    if (n >= cap) continue;
    perDoc.set(d, n + 1);
    out.push(s);
    if (out.length === k) break;
  }
  return out;
}
