/**
 * Top-k selection for the keyword index: a query term's posting list (ascending ids, a one-byte impact each,
 * an integer weight), reusable accumulators, and the selection of the k best with at most `cap` per document.
 * Scores are integer sums (weight × impact), so the order of summation cannot change a score, and results are
 * ordered by score, then by the smaller label, exactly as exhaustive scoring orders them.
 */
import type { ScoredLabel } from "../../core/ports.js";

/** One query term's postings: `ids[start, end)` ascending, with `impacts` aligned to `ids`. */
export interface TermList {
  ids: Uint32Array;
  impacts: Uint8Array;
  start: number;
  end: number;
  /** The term's integer weight (quantised idf). */
  weight: number;
}

/** Orders by score (higher first), then by label (smaller first): the one order every caller and test uses. */
export const byScoreThenLabel = (a: ScoredLabel, b: ScoredLabel): number =>
  b.score - a.score || a.label - b.label;

/**
 * Reusable per-index buffers (one query at a time: search is synchronous). Accumulators are 32-bit integers:
 * a sum is at most 64 terms × 255 × an idf weight (idf · 4096 < 2^17 for any count that fits a Uint32Array),
 * under 2^32; integer adds are faster than float ones and the arrays half the size.
 */
export class Scratch {
  readonly chunk: Uint32Array;
  readonly doc: Uint32Array;
  /** Per document: an upper bound of its chunks' scores (pruned search). */
  readonly bound: Uint32Array;
  /** The documents a pruned search kept (`docCount` of them; -1: not pruned, every chunk counts). */
  readonly docs: Uint32Array;
  docCount = -1;
  /** Candidates of the final selection (ids and their combined scores). */
  readonly ids: Uint32Array;
  readonly scores: Float64Array;
  constructor(chunks: number, docs: number) {
    this.chunk = new Uint32Array(chunks);
    this.doc = new Uint32Array(docs);
    this.bound = new Uint32Array(docs);
    this.docs = new Uint32Array(docs);
    this.ids = new Uint32Array(chunks);
    this.scores = new Float64Array(chunks);
  }
  /** Clears what a search wrote (`firstChunk`: where each document's chunks start). */
  reset(firstChunk: Uint32Array): void {
    if (this.docCount < 0) this.chunk.fill(0);
    else
      for (let j = 0; j < this.docCount; j++)
        this.chunk.fill(0, firstChunk[this.docs[j]!]!, firstChunk[this.docs[j]! + 1]!);
    this.doc.fill(0);
    this.bound.fill(0);
    this.docCount = -1;
  }
}

/** Adds every posting of `lists` into `acc`. */
export function accumulate(lists: readonly TermList[], acc: Uint32Array): void {
  for (const { ids, impacts, weight, start, end } of lists) {
    for (let p = start; p < end; p++) acc[ids[p]!]! += weight * impacts[p]!;
  }
}

/** The k-th largest of the scores offered (0 when fewer than k were), with a min-heap of k numbers. */
export class KthLargest {
  readonly #heap: Float64Array;
  #size = 0;
  constructor(private readonly k: number) {
    this.#heap = new Float64Array(k);
  }
  get full(): boolean {
    return this.#size === this.k;
  }
  /** Offers `s`; it enters if the heap is not full or `s` beats the smallest kept. */
  offer(s: number): void {
    const h = this.#heap;
    if (this.#size < this.k) {
      let i = this.#size++;
      h[i] = s;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (h[p]! <= h[i]!) break;
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      }
    } else if (s > h[0]!) {
      h[0] = s;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.k && h[l]! < h[m]!) m = l;
        if (r < this.k && h[r]! < h[m]!) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
  }
  /** The smallest kept: the k-th largest offered once full, else 0. */
  get value(): number {
    return this.#size === this.k ? this.#heap[0]! : 0;
  }
}

/**
 * The candidates' best first (by score, then smaller label), skipping a label whose document already has `cap`
 * above it; at most k.
 */
export function capped(
  ids: Uint32Array,
  scores: Float64Array,
  n: number,
  k: number,
  cap: number,
  docOf: (label: number) => number,
): ScoredLabel[] {
  const top: ScoredLabel[] = [];
  for (let i = 0; i < n; i++) top.push({ label: ids[i]!, score: scores[i]! });
  top.sort(byScoreThenLabel);
  const perDoc = new Map<number, number>();
  const out: ScoredLabel[] = [];
  for (const c of top) {
    const d = docOf(c.label);
    const seen = perDoc.get(d) ?? 0;
    if (seen >= cap) continue;
    perDoc.set(d, seen + 1);
    out.push(c);
    if (out.length === k) break;
  }
  return out;
}
