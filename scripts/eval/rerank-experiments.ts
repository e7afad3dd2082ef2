/**
 * `npx tsx scripts/eval/rerank-experiments.ts <beir-dir> [--split train]`: two ranking ideas measured on a BEIR
 * folder beside the keyword ranking as it is (docs/benchmarks.md, "Ranking, second pass"); neither is in the
 * product. Term proximity (BM25TP, Büttcher et al. 2006) reranks the top 50 chunks; second-passage evidence
 * scores a page as its best chunk plus γ times its second. Run it on the sets ranking is tuned on, never on the
 * held-out questions.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { STOPWORDS, stem } from "../../functions/adapters/keyword/analyzer.js";
import { logger } from "../../functions/lib/logger.js";
import { mrrAt, ndcgAt, openKeywordOnly, readBeir } from "./beir.js";

interface Occurrence {
  term: string;
  at: number;
}

/** Index terms with their word positions (stopwords count as positions, as in running text). */
function occurrences(text: string): Occurrence[] {
  const out: Occurrence[] = [];
  let at = 0;
  for (const [word] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    if (!STOPWORDS.has(word) && word.length <= 40) out.push({ term: stem(word), at });
    at++;
  }
  return out;
}

async function main(dir: string, split?: string) {
  const dataset = await readBeir(dir, split);
  const work = await mkdtemp(join(tmpdir(), "thoth-rerank-"));
  try {
    const { documents, chunks, keyword } = await openKeywordOnly(dataset, dir, work);
    const words: Occurrence[][] = [];
    const df = new Map<string, number>();
    let total = 0;
    for (let label = 0; label < chunks.length; label++) {
      const found = occurrences(chunks.text(label));
      words.push(found);
      total += found.length;
      for (const term of new Set(found.map((o) => o.term))) df.set(term, (df.get(term) ?? 0) + 1);
    }
    const n = chunks.length;
    const average = total / Math.max(1, n);
    const idf = (t: string) => Math.log(1 + (n - (df.get(t) ?? 0) + 0.5) / ((df.get(t) ?? 0) + 0.5));
    /** BM25TP's proximity part for one chunk (k1 1.2, b 0.4, as the paper). */
    const proximity = (label: number, query: Set<string>) => {
      const hits = words[label]!.filter((o) => query.has(o.term));
      const acc = new Map<string, number>();
      for (let i = 1; i < hits.length; i++) {
        const [a, b] = [hits[i - 1]!, hits[i]!];
        if (a.term === b.term) continue;
        const d2 = (b.at - a.at) ** 2;
        acc.set(a.term, (acc.get(a.term) ?? 0) + idf(b.term) / d2);
        acc.set(b.term, (acc.get(b.term) ?? 0) + idf(a.term) / d2);
      }
      const K = 1.2 * (0.6 + (0.4 * words[label]!.length) / average);
      let score = 0;
      for (const [t, x] of acc) score += (Math.min(1, idf(t)) * (x * 2.2)) / (x + K);
      return score;
    };
    const judged = [...dataset.qrels.keys()].filter((q) => dataset.queries.has(q));
    const ranked = judged.map((q) => {
      const query = dataset.queries.get(q)!;
      const terms = new Set(occurrences(query).map((o) => o.term));
      const hits = keyword!.search(query, 50, { maxPerDocument: 2 }).map((h) => ({
        page: documents[chunks.docIndex(h.label)]!.path,
        score: h.score,
        proximity: proximity(h.label, terms),
      }));
      return { q, hits };
    });
    const report = (name: string, pages: (hits: (typeof ranked)[number]["hits"]) => string[]) => {
      let ndcg = 0;
      let mrr = 0;
      for (const { q, hits } of ranked) {
        const ranking = pages(hits).filter((id) => id !== q);
        ndcg += ndcgAt(ranking, dataset.qrels.get(q)!, 10);
        mrr += mrrAt(ranking, dataset.qrels.get(q)!, 10);
      }
      const m = Math.max(1, ranked.length);
      console.log(`${name.padEnd(26)} nDCG@10 ${(ndcg / m).toFixed(4)}  MRR@10 ${(mrr / m).toFixed(4)}`);
    };
    const distinct = (pages: string[]) => [...new Set(pages)];
    for (const weight of [0, 0.002, 0.005, 0.01, 0.02, 0.04]) {
      report(`proximity weight ${weight}`, (hits) => {
        const top = hits[0]?.score ?? 1;
        const scored = hits.map((h) => ({ page: h.page, s: h.score + weight * top * h.proximity }));
        return distinct(scored.sort((a, b) => b.s - a.s).map((h) => h.page));
      });
    }
    for (const gamma of [0.1, 0.25, 0.5, 1]) {
      report(`second passage γ ${gamma}`, (hits) => {
        const byPage = new Map<string, number[]>();
        for (const h of hits) byPage.set(h.page, [...(byPage.get(h.page) ?? []), h.score]);
        return [...byPage]
          .map(([page, s]) => ({ page, s: s[0]! + gamma * (s[1] ?? 0) }))
          .sort((a, b) => b.s - a.s)
          .map((p) => p.page);
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { split: { type: "string" } } });
if (!process.env.THOTH_LOG_LEVEL) logger.setLogLevel("ERROR");
if (!positionals[0]) throw new Error("usage: rerank-experiments.ts <beir-dir> [--split train]");
await main(positionals[0], values.split);
