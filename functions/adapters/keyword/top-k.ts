/**
 * Exact top-k over impact-scored postings with MaxScore (Turtle & Flood, 1995): a posting list holds, for one
 * term, ascending ids and a precomputed impact (0–255) per id; a query term weighs its list by an integer
 * weight (its quantised idf). Lists are ordered by their best possible contribution; once the k-th best score
 * exceeds what the weakest lists could add together, those lists stop producing candidates and are only
 * probed (by binary search) for ids the strong lists bring up, and a candidate is dropped as soon as it
 * cannot reach the top k. Scores are integers (weight × impact summed), so the order of summation cannot
 * change a score and the result equals exhaustive scoring exactly, ties broken by the smaller id.
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

/** A bounded min-heap of the k best (score, id) pairs seen, "worst" at the top. */
class TopK {
  readonly items: Scored[] = [];
  constructor(private readonly k: number) {}

  get full(): boolean {
    return this.items.length >= this.k;
  }

  /** The score a newcomer must beat (strictly: a tie loses to the earlier, smaller id). */
  get threshold(): number {
    return this.full ? this.items[0]!.score : 0;
  }

  /** Adds (id, score) if it belongs in the top k; ids arrive ascending, so a tie with the worst loses. */
  offer(id: number, score: number): void {
    if (score <= 0) return;
    if (!this.full) {
      this.items.push({ id, score });
      this.#up(this.items.length - 1);
    } else if (score > this.items[0]!.score) {
      this.items[0] = { id, score };
      this.#down(0);
    }
  }

  sorted(): Scored[] {
    return [...this.items].sort(byScoreThenId);
  }

  /** True when a is worse than b: lower score, or the same score and a larger id. */
  #worse(a: Scored, b: Scored): boolean {
    return a.score < b.score || (a.score === b.score && a.id > b.id);
  }

  #up(i: number): void {
    const h = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#worse(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#worse(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#worse(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** The first position in `ids[from, end)` whose id is ≥ target (galloping, then binary search). */
export function seek(ids: Uint32Array, from: number, end: number, target: number): number {
  if (from >= end || ids[from]! >= target) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < end && ids[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = Math.min(end, hi + step);
  }
  // ids[lo] < target; the answer is in (lo, hi].
  let a = lo + 1;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (ids[mid]! < target) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** The contribution of `list` to `id` (0 when `id` is not in it), by binary search. */
export function impactOf(list: TermList, id: number): number {
  const at = seek(list.ids, list.start, list.end, id);
  return at < list.end && list.ids[at] === id ? list.weight * list.impacts[at]! : 0;
}

/**
 * The k highest-scoring ids over `lists` (score = Σ weight × impact), best first, ties by smaller id. Ids for
 * which `accept` returns false are never returned (and never raise the threshold).
 */
export function topK(lists: readonly TermList[], k: number, accept?: (id: number) => boolean): Scored[] {
  const heap = new TopK(k);
  if (k <= 0) return [];
  // Ascending by upper bound; bounds[i] = Σ of the upper bounds of lists[0..i].
  const terms = lists
    .filter((l) => l.end > l.start && l.weight > 0)
    .map((l) => ({ ...l, bound: l.weight * l.maxImpact, pos: l.start }))
    .sort((a, b) => a.bound - b.bound);
  const n = terms.length;
  const prefix = new Float64Array(n);
  let sum = 0;
  terms.forEach((t, i) => (prefix[i] = sum += t.bound));
  // Lists [0, essential) are non-essential: together they cannot lift an id above the threshold.
  let essential = 0;
  for (;;) {
    while (essential < n && prefix[essential]! <= heap.threshold && heap.full) essential++;
    if (essential >= n) break;
    // The next candidate: the smallest current id over the essential lists.
    let candidate = Infinity;
    for (let i = essential; i < n; i++) {
      const t = terms[i]!;
      if (t.pos < t.end && t.ids[t.pos]! < candidate) candidate = t.ids[t.pos]!;
    }
    if (candidate === Infinity) break;
    let score = 0;
    for (let i = essential; i < n; i++) {
      const t = terms[i]!;
      if (t.pos < t.end && t.ids[t.pos] === candidate) {
        score += t.weight * t.impacts[t.pos]!;
        t.pos++;
      }
    }
    // Probe the non-essential lists, strongest first, while the candidate can still make it.
    for (let i = essential - 1; i >= 0; i--) {
      if (heap.full && score + prefix[i]! <= heap.threshold) {
        score = -1;
        break;
      }
      const t = terms[i]!;
      t.pos = seek(t.ids, t.pos, t.end, candidate);
      if (t.pos < t.end && t.ids[t.pos] === candidate) score += t.weight * t.impacts[t.pos]!;
    }
    if (score > heap.threshold || (!heap.full && score > 0)) {
      if (!accept || accept(candidate)) heap.offer(candidate, score);
    }
  }
  return heap.sorted();
}
