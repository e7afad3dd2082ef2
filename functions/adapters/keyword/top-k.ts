/**
 * Top-k selection for the keyword index: a query term's posting list (ascending ids, a one-byte impact each,
 * an integer weight), reusable accumulators, and the selection of the k best with at most `cap` per document.
 * Scores are integer sums (weight × impact), so the order of summation cannot change a score, and results are
 * ordered by score, then by the smaller id, exactly as exhaustive scoring orders them.
 */

/** One query term's postings: `ids[start, end)` ascending, with `impacts` aligned to `ids`. */
export interface TermList {
  ids: Uint32Array;
  impacts: Uint8Array;
  start: number;
  end: number;
  /** The term's integer weight (quantised idf). */
  weight: number;
  /** The largest impact in the list (an upper bound for its contribution: weight × maxImpact). */
  maxImpact: number;
}

export interface Scored {
  id: number;
  score: number;
}

/** Orders by score (higher first), then by id (smaller first): the one order every caller and test uses. */
export const byScoreThenId = (a: Scored, b: Scored): number => b.score - a.score || a.id - b.id;

/** Reusable per-index buffers (one query at a time: search is synchronous). */
export class Scratch {
  readonly acc: Float64Array;
  readonly touched: Uint32Array;
  /** Candidates of the final selection (ids and their combined scores). */
  readonly ids: Uint32Array;
  readonly scores: Float64Array;
  constructor(readonly size: number) {
    this.acc = new Float64Array(size);
    this.touched = new Uint32Array(size);
    this.ids = new Uint32Array(size);
    this.scores = new Float64Array(size);
  }
}

/** The k-th largest of the scores offered (0 when fewer than k were), with a min-heap of k numbers. */
class KthLargest {
  readonly #heap: Float64Array;
  #size = 0;
  constructor(private readonly k: number) {
    this.#heap = new Float64Array(k);
  }
  /** Would `s` enter the k best (so far)? */
  wants(s: number): boolean {
    return this.#size < this.k || s > this.#heap[0]!;
  }
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
  get value(): number {
    return this.#size === this.k ? this.#heap[0]! : 0;
  }
}

/**
 * The k best of the first `n` candidates (`ids[i]` scoring `scores[i]`; by score, then smaller id), skipping
 * an id whose document already has `cap` above it. Only the best 2k scores (and ties) are sorted; deeper
 * only when capping left fewer than k.
 */
export function selectCapped(
  ids: ArrayLike<number>,
  scores: ArrayLike<number>,
  n: number,
  k: number,
  cap: number,
  docOf: (id: number) => number,
): Scored[] {
  const first = cap === Infinity ? k : 2 * k;
  for (let depth = Math.min(n, first); ; depth = Math.min(n, depth * 4)) {
    const floor = new KthLargest(Math.max(1, depth));
    for (let i = 0; i < n; i++) if (floor.wants(scores[i]!)) floor.offer(scores[i]!);
    const cut = depth >= n ? -Infinity : floor.value;
    const top: Scored[] = [];
    for (let i = 0; i < n; i++) if (scores[i]! >= cut) top.push({ id: ids[i]!, score: scores[i]! });
    top.sort(byScoreThenId);
    const perDoc = new Map<number, number>();
    const out: Scored[] = [];
    for (const c of top) {
      const d = docOf(c.id);
      const seen = perDoc.get(d) ?? 0;
      if (seen >= cap) continue;
      perDoc.set(d, seen + 1);
      out.push(c);
      if (out.length === k) return out;
    }
    if (depth >= n) return out;
  }
}
