/**
 * `npm run eval:tune -- <beir-dir> [--split train]`: tunes the keyword index's BM25F parameters on a BEIR
 * folder. The folder is indexed once through the real pipeline (keyword only); each parameter set then
 * rebuilds only the keyword index from the stored chunks and ranks documents for every judged query.
 * Coordinate ascent from the defaults: one parameter at a time over its grid, kept when nDCG@10 rises.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Bm25Builder } from "../../functions/adapters/keyword/bm25-builder.js";
import { DEFAULT_BM25, type Bm25Params } from "../../functions/adapters/keyword/params.js";
import { logger } from "../../functions/lib/logger.js";
import { ndcgAt, openKeywordOnly, readBeir } from "./beir.js";

type Setter = (p: Bm25Params, v: number) => Bm25Params;
const GRID: [string, number[], Setter][] = [
  ["k1", [0.6, 0.9, 1.2, 1.5, 2], (p, v) => ({ ...p, k1: v })],
  [
    "text.b",
    [0.3, 0.5, 0.75, 0.9],
    (p, v) => ({ ...p, fields: { ...p.fields, text: { ...p.fields.text, b: v } } }),
  ],
  [
    "title.weight",
    [0, 0.5, 1, 2, 3],
    (p, v) => ({ ...p, fields: { ...p.fields, title: { ...p.fields.title, weight: v } } }),
  ],
  [
    "title.b",
    [0.3, 0.75, 1],
    (p, v) => ({ ...p, fields: { ...p.fields, title: { ...p.fields.title, b: v } } }),
  ],
  [
    "heading.weight",
    [0, 0.5, 1, 1.5, 2],
    (p, v) => ({ ...p, fields: { ...p.fields, heading: { ...p.fields.heading, weight: v } } }),
  ],
  ["doc.weight", [0, 0.25, 0.5, 1, 2], (p, v) => ({ ...p, doc: { ...p.doc, weight: v } })],
  ["doc.k1", [0.6, 0.9, 1.2, 1.5], (p, v) => ({ ...p, doc: { ...p.doc, k1: v } })],
  ["doc.b", [0.3, 0.5, 0.75, 0.9], (p, v) => ({ ...p, doc: { ...p.doc, b: v } })],
];

export async function tune(dir: string, split?: string, rounds = 2) {
  const dataset = await readBeir(dir, split);
  const work = await mkdtemp(join(tmpdir(), "thoth-tune-"));
  try {
    const { documents, chunks } = await openKeywordOnly(dataset, dir, work);
    const judged = [...dataset.qrels.keys()].filter((q) => dataset.queries.has(q));
    const evaluate = (params: Bm25Params) => {
      const builder = new Bm25Builder(params);
      for (let label = 0; label < chunks.length; label++) {
        const doc = chunks.docIndex(label);
        builder.add({
          doc,
          title: documents[doc]!.title,
          heading: chunks.headingPath(label).join(" "),
          text: chunks.text(label),
        });
      }
      const index = builder.finish();
      let sum = 0;
      for (const q of judged) {
        const ranking = index
          .search(dataset.queries.get(q)!, 10, { maxPerDocument: 1 })
          .map((s) => documents[index.docOf(s.label)]!.path);
        sum += ndcgAt(ranking, dataset.qrels.get(q)!, 10);
      }
      return sum / Math.max(1, judged.length);
    };
    let best = DEFAULT_BM25;
    let bestScore = evaluate(best);
    const start = bestScore;
    for (let round = 0; round < rounds; round++) {
      for (const [name, values, set] of GRID) {
        for (const v of values) {
          const candidate = set(best, v);
          const score = evaluate(candidate);
          if (score > bestScore + 1e-4) {
            best = candidate;
            bestScore = score;
            console.error(`round ${round + 1}: ${name} = ${v} → nDCG@10 ${score.toFixed(4)}`);
          }
        }
      }
    }
    return { dataset: resolve(dir), defaults: start, best: bestScore, params: best };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { split: { type: "string" } },
  });
  if (!process.env.THOTH_LOG_LEVEL) logger.setLogLevel("ERROR");
  if (!positionals[0]) throw new Error("usage: npm run eval:tune -- <beir-dir> [--split train]");
  console.log(JSON.stringify(await tune(positionals[0], values.split), null, 2));
}
