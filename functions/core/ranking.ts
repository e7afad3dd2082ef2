/** Rank fusion and snippet selection: pure functions over ranked lists. */
import { label } from "./labels.js";
import type { ScoredLabel } from "./ports.js";

/** The usual RRF constant (Cormack et al., 2009): damps the weight of the very top ranks. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: each list contributes 1 / (k + rank) for every item it ranks (rank from 1). Items
 * that several lists rank well rise; scores of different scales never have to be compared.
 */
export function reciprocalRankFusion<T>(
  lists: readonly (readonly T[])[],
  keyOf: (item: T) => string | number,
  k: number = RRF_K,
): { item: T; score: number }[] {
  const fused = new Map<string | number, { item: T; score: number }>();
  for (const list of lists) {
    list.forEach((item, index) => {
      const key = keyOf(item);
      const entry = fused.get(key) ?? { item, score: 0 };
      entry.score += 1 / (k + index + 1);
      fused.set(key, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

export function fuseLabels(lists: readonly (readonly ScoredLabel[])[], k: number = RRF_K): ScoredLabel[] {
  return reciprocalRankFusion(lists, (hit) => hit.label, k).map(({ item, score }) => ({
    label: item.label,
    score,
  }));
}

/**
 * A window of about `length` characters from `text`, centred on the first query term it contains, cut at
 * word boundaries, with ellipses where it was cut.
 */
export function makeSnippet(text: string, query: string, length = 280): string {
  const flat = label(text, text.length);
  if (flat.length <= length) return flat;
  const lower = flat.toLowerCase();
  const terms = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 2);
  const hit = terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0);
  const centre = hit.length ? Math.min(...hit) : 0;
  let start = Math.max(0, Math.min(centre - Math.floor(length / 3), flat.length - length));
  let end = Math.min(flat.length, start + length);
  if (start > 0) start = flat.indexOf(" ", start) + 1 || start;
  if (end < flat.length) end = flat.lastIndexOf(" ", end) > start ? flat.lastIndexOf(" ", end) : end;
  return `${start > 0 ? "…" : ""}${flat.slice(start, end).trim()}${end < flat.length ? "…" : ""}`;
}
