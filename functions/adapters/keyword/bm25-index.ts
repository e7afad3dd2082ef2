/**
 * Thoth's keyword index (bundle format 2): BM25F over a chunk's title, heading path and text, plus a BM25
 * score of the whole document the chunk belongs to, so a document split into chunks keeps the evidence of
 * all of them. Every (term, chunk) and (term, document) pair is stored as a one-byte impact in typed arrays;
 * a query adds integer weight × impact products term at a time into reusable accumulators and selects the
 * best (top-k.ts). The file loads as typed arrays (its term blocks copied out once, bm25-file.ts): nothing is
 * parsed per posting.
 *
 * Ranking of chunk c in document d for query q:
 *   score(c) = Σ_t idf_chunk(t)·impact_chunk(t, c) + docWeight · Σ_t idf_doc(t)·impact_doc(t, d)
 *   impact_chunk = ptf / (k1 + ptf),  ptf = Σ_f w_f·tf_f / (1 − b_f + b_f·len_f / avglen_f)   (BM25F)
 *   impact_doc   = tf / (tf + k1·(1 − b + b·len / avglen))                                    (BM25)
 * Impacts are quantised to 1..255 and idf to integers, so scores are exact integers (no summation-order
 * effects) and `search` returns exactly what the plain reference `scoreAll` ranks, with the per-document cap
 * (test/unit/functions/keyword-index.test.ts checks it on random corpora).
 */
import { MAX_QUERY_TERMS, type KeywordSearchOptions, type ScoredLabel } from "../../core/ports.js";
import { forEachTerm } from "./analyzer.js";
import { decode, encode } from "./bm25-file.js";
import { IDF_SCALE, idf, type Bm25Params, type IndexParts, type Postings } from "./params.js";
import { KthLargest, Scratch, accumulate, capped, type TermList } from "./top-k.js";

export class Bm25Index {
  #parts?: IndexParts;
  #firstChunk?: Uint32Array;
  #scratch?: Scratch;

  /** Over `parts`, or over `file` alone (read into parts when first searched: a build is mostly only written). */
  constructor(
    parts: IndexParts | undefined,
    private readonly file?: Uint8Array,
  ) {
    if (!parts && !file) throw new TypeError("a keyword index needs its parts or its file");
    this.#parts = parts;
  }

  /** An index built into `file` (term-major), searched only if asked to. */
  static fromFile(file: Uint8Array): Bm25Index {
    return new Bm25Index(undefined, file);
  }

  get #p(): IndexParts {
    return (this.#parts ??= decode(this.file!));
  }

  /** A document's chunks are contiguous: where each starts, for "all chunks of document d". */
  get #first(): Uint32Array {
    if (this.#firstChunk) return this.#firstChunk;
    const parts = this.#p;
    const first = new Uint32Array(parts.docCount + 1).fill(parts.chunkCount);
    for (let label = parts.chunkCount - 1; label >= 0; label--) first[parts.docOfChunk[label]!] = label;
    for (let d = parts.docCount - 1; d >= 0; d--) first[d] = Math.min(first[d]!, first[d + 1]!);
    return (this.#firstChunk = first);
  }

  get #work(): Scratch {
    return (this.#scratch ??= new Scratch(this.#p.chunkCount, this.#p.docCount));
  }

  get size(): number {
    return this.#p.chunkCount;
  }

  get params(): Bm25Params {
    return this.#p.params;
  }

  /**
   * The query's term lists at chunk and document level: unknown terms dropped, repeats counted once, and of
   * more than MAX_QUERY_TERMS the rarest kept (highest chunk idf, ties by term), in vocabulary order.
   */
  lists(query: string): { chunk: TermList[]; doc: TermList[] } {
    const { chunkCount, docCount, bounds, chunk: c, doc: d, vocabulary } = this.#p;
    const chunkDf = (t: number) => c.offsets[t + 1]! - c.offsets[t]!;
    const terms = queryTerms(query, vocabulary, chunkDf);
    return {
      chunk: terms.map((t) => list(c, t, idf(chunkCount, chunkDf(t)))),
      doc: terms.map((t) =>
        list(d, t, idf(docCount, bounds ? bounds.df[t]! : d.offsets[t + 1]! - d.offsets[t]!)),
      ),
    };
  }

  /**
   * The k best chunks for `query`, best first, ties by smaller label, at most `maxPerDocument` per document.
   *
   * Term at a time over typed arrays, pruned by document. The document postings go first: they give every
   * touched document its exact document score and an upper bound of its chunks' scores (each term's largest
   * impact in the document's chunks, see DocumentBounds). Every chunk scores at least its document's part, so
   * the k-th best of those parts (counting up to `maxPerDocument` chunks a document) is a floor the k-th
   * result will reach; a document whose bound stays under it cannot place a chunk, and its chunk postings are
   * skipped by galloping. The rest are added into integer accumulators, and one pass over the remaining
   * documents' chunks keeps the best (a heap holds the running threshold).
   *
   * Files without bounds (THOTHKW2) and a document weight of 0 take the same path unpruned. Measured at 130k
   * chunks of real text (docs/benchmarks.md): document-at-a-time MaxScore cost 4× the unpruned pass, and
   * term-at-a-time with the "continue" strategy 2×, because with 10–20-word queries most touched chunks stay
   * in the running until the last lists; pruning whole documents by their bound is what paid.
   */
  search(query: string, k: number, options: KeywordSearchOptions = {}): ScoredLabel[] {
    if (k <= 0 || !this.#p.chunkCount) return [];
    const { chunk, doc } = this.lists(query);
    if (!chunk.length) return [];
    const scratch = this.#work;
    const passes = docFilterCache(options.filter, this.#first);
    const cap = options.maxPerDocument ?? Infinity;
    const pruned = this.#p.bounds && this.#p.params.doc.weight > 0;
    try {
      if (pruned) this.#prune(chunk, doc, k, cap, options.filter ? passes : undefined);
      else {
        accumulate(chunk, scratch.chunk);
        if (this.#p.params.doc.weight > 0) accumulate(doc, scratch.doc);
        scratch.docCount = -1;
      }
      const docOf = (label: number) => this.#p.docOfChunk[label]!;
      // Capping can drop candidates, so it looks 2k deep first, and deeper only when that left fewer than k.
      for (let depth = cap === Infinity ? k : 2 * k; ; depth *= 4) {
        const { n, complete } = this.#candidates(depth, passes);
        const results = capped(scratch.ids, scratch.scores, n, k, cap, docOf);
        if (results.length === k || complete) return results;
      }
    } finally {
      scratch.reset(this.#first);
    }
  }

  /**
   * Scores the documents, keeps in `scratch.docs` those whose bound reaches the floor (see `search`), and adds
   * the chunk postings that fall in them.
   */
  /** `passes`: the search's document filter (undefined: every document passes, and it is not asked). */
  #prune(chunk: TermList[], doc: TermList[], k: number, cap: number, passes?: (d: number) => boolean): void {
    const { doc: docAcc, bound, docs } = this.#work;
    const maxChunkImpact = this.#p.bounds!.maxChunkImpact;
    const first = this.#first;
    const weight = this.#p.params.doc.weight;
    for (let i = 0; i < doc.length; i++) {
      const { ids, impacts, weight: w, start, end } = doc[i]!;
      const chunkWeight = chunk[i]!.weight;
      for (let p = start; p < end; p++) {
        const d = ids[p]!;
        docAcc[d]! += w * impacts[p]!;
        bound[d]! += chunkWeight * maxChunkImpact[p]!;
      }
    }
    // The floor: the k-th best of the document parts, a document counting once per chunk it may place. It
    // only rises, so a document whose bound reaches it as it stands when the document is met is a candidate,
    // and the candidates are cut to the final floor after (one pass over every document, not two).
    const lower = new KthLargest(k);
    let floor = 0;
    let n = 0;
    for (let d = 0; d < docAcc.length; d++) {
      const s = weight * docAcc[d]!;
      const b = s + bound[d]!;
      if (b === 0 || b < floor || (passes && !passes(d))) continue;
      docs[n++] = d;
      if (s <= floor) continue;
      const copies = Math.min(cap, first[d + 1]! - first[d]!, k);
      for (let c = 0; c < copies; c++) lower.offer(s);
      if (lower.full) floor = lower.value;
    }
    let m = 0;
    for (let j = 0; j < n; j++) {
      const d = docs[j]!;
      if (weight * docAcc[d]! + bound[d]! >= floor) docs[m++] = d;
    }
    this.#work.docCount = m;
    const acc = this.#work.chunk;
    for (const { ids, impacts, weight: w, start, end } of chunk) {
      let p = start;
      for (let j = 0; j < m && p < end; j++) {
        const d = docs[j]!;
        p = seek(ids, p, end, first[d]!);
        const to = first[d + 1]!;
        for (; p < end && ids[p]! < to; p++) acc[ids[p]!]! += w * impacts[p]!;
      }
    }
  }

  /**
   * Every chunk (of the documents kept, when pruned) whose combined score is among the `depth` best (ties
   * included) of those that pass, into the scratch candidate arrays; `complete` when none was left out.
   */
  #candidates(depth: number, passes: (doc: number) => boolean): { n: number; complete: boolean } {
    const { chunk, doc, ids, scores, docs, docCount } = this.#work;
    const weight = this.#p.params.doc.weight;
    const best = new KthLargest(depth);
    let n = 0;
    let complete = true;
    // The depth-th best so far once `depth` were kept (a score below it cannot be among the best); 0 till then.
    let floor = 0;
    const visit = (from: number, to: number) => {
      for (let label = from; label < to; label++) {
        const d = this.#p.docOfChunk[label]!;
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
    };
    if (docCount < 0) visit(0, this.#p.chunkCount);
    else for (let j = 0; j < docCount; j++) visit(this.#first[docs[j]!]!, this.#first[docs[j]! + 1]!);
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
    const weight = this.#p.params.doc.weight;
    const chunkScores = new Float64Array(this.#p.chunkCount);
    const docScores = new Float64Array(this.#p.docCount);
    for (const l of chunk)
      for (let i = l.start; i < l.end; i++) chunkScores[l.ids[i]!]! += l.weight * l.impacts[i]!;
    for (const l of doc)
      for (let i = l.start; i < l.end; i++) docScores[l.ids[i]!]! += l.weight * l.impacts[i]!;
    const out = new Float64Array(this.#p.chunkCount);
    for (let label = 0; label < out.length; label++) {
      const c = chunkScores[label]!;
      const d = docScores[this.#p.docOfChunk[label]!]!;
      out[label] = c + d > 0 ? c + weight * d : 0;
    }
    return out;
  }

  /** The document ordinal of a chunk. */
  docOf(label: number): number {
    return this.#p.docOfChunk[label]!;
  }

  serialize(): Uint8Array {
    return this.file ?? encode(this.#p);
  }

  static load(bytes: Uint8Array): Bm25Index {
    return new Bm25Index(decode(bytes));
  }
}

/**
 * The vocabulary indexes of a query's terms, ascending: unknown terms dropped, repeats counted once, and of
 * more than MAX_QUERY_TERMS the rarest kept (smallest chunk df, ties by term). A ranged read picks the blocks
 * it fetches with it, so it reads exactly the terms a search over the whole index would use.
 */
export function queryTerms(
  query: string,
  vocabulary: readonly string[],
  chunkDf: (t: number) => number,
): number[] {
  const seen = new Set<number>();
  forEachTerm(query, (term) => {
    const t = termIndex(vocabulary, term);
    if (t >= 0) seen.add(t);
  });
  const terms = [...seen].sort((a, b) => a - b);
  if (terms.length <= MAX_QUERY_TERMS) return terms;
  // Rarer is a smaller chunk df (idf falls as df grows); the sort is stable, so ties keep vocabulary order.
  return terms
    .sort((a, b) => chunkDf(a) - chunkDf(b))
    .slice(0, MAX_QUERY_TERMS)
    .sort((a, b) => a - b);
}

function termIndex(v: readonly string[], term: string): number {
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

/** A term's postings with its integer weight (quantised idf). */
function list(p: Postings, t: number, idfValue: number): TermList {
  return {
    ids: p.ids,
    impacts: p.impacts,
    start: p.offsets[t]!,
    end: p.offsets[t + 1]!,
    weight: Math.round(idfValue * IDF_SCALE),
  };
}

/** The first position in `[p, end)` whose id is at least `target` (galloping, then bisection). */
function seek(ids: Uint32Array, p: number, end: number, target: number): number {
  if (p >= end || ids[p]! >= target) return p;
  let lo = p;
  let step = 1;
  let hi = p + 1;
  while (hi < end && ids[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > end) hi = end;
  while (lo + 1 < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
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
