/**
 * A plain document-level BM25 as Anserini runs it by default: k1 = 0.9, b = 0.4, and Lucene's EnglishAnalyzer
 * (possessives dropped, lowercase, Lucene's English stopwords, Porter stemming). The baseline that keyword mode
 * is held against in `npm run eval`, as strong as the published one (without stemming it scores 0.307 on
 * NFCorpus, with it 0.321). Not used by the product.
 */
import { stemmer } from "stemmer";

const STOPWORDS = new Set(
  "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split(
    " ",
  ),
);

const stems = new Map<string, string>();
const porter = (word: string) => {
  let s = stems.get(word);
  if (s === undefined) stems.set(word, (s = /^\p{N}+$/u.test(word) ? word : stemmer(word)));
  return s;
};

const tokens = (text: string) =>
  text
    .toLowerCase()
    .replace(/['’]s\b/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t && !STOPWORDS.has(t))
    .map(porter);

export class Bm25Baseline {
  readonly #docs: { id: string; tf: Map<string, number>; length: number }[] = [];
  readonly #df = new Map<string, number>();
  #avg = 0;

  constructor(
    docs: { id: string; text: string }[],
    private readonly k1 = 0.9,
    private readonly b = 0.4,
  ) {
    for (const doc of docs) {
      const tf = new Map<string, number>();
      const words = tokens(doc.text);
      for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
      for (const w of tf.keys()) this.#df.set(w, (this.#df.get(w) ?? 0) + 1);
      this.#docs.push({ id: doc.id, tf, length: words.length });
    }
    this.#avg = this.#docs.reduce((s, d) => s + d.length, 0) / Math.max(1, this.#docs.length);
  }

  rank(query: string, depth: number): string[] {
    const n = this.#docs.length;
    const terms = [...new Set(tokens(query))];
    return this.#docs
      .map((d) => {
        let score = 0;
        for (const t of terms) {
          const f = d.tf.get(t);
          if (!f) continue;
          const df = this.#df.get(t)!;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += (idf * f * (this.k1 + 1)) / (f + this.k1 * (1 - this.b + (this.b * d.length) / this.#avg));
        }
        return { id: d.id, score };
      })
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, depth)
      .map((r) => r.id);
  }
}
