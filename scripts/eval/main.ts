/**
 * `npm run eval -- <beir-dir> [--mode keyword|semantic|hybrid] [--split test] [--json]`: indexes a BEIR-format
 * folder through the real pipeline and prints nDCG@10, recall@10 and recall@100 per mode, beside a plain
 * BM25 baseline. The model comes from THOTH_MODEL_DIR / THOTH_EMBEDDING_MODEL; without one only keyword
 * mode runs.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseRuntimeEnv } from "../../shared/config.js";
import { SEARCH_MODES, type SearchMode } from "../../shared/types.js";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { logger } from "../../functions/lib/logger.js";
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { loadModel } from "../../functions/adapters/ml/transformers-embedder.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bm25Baseline } from "./bm25-baseline.js";
import { beirSource, mrrAt, ndcgAt, readBeir, recallAt } from "./beir.js";

export interface ModeScores {
  mode: string;
  ndcg10: number;
  /** Mean reciprocal rank of the first relevant document in the top 10: how soon the right page comes. */
  mrr10: number;
  recall10: number;
  recall100: number;
  queries: number;
}

export async function evaluate(dir: string, options: { modes?: SearchMode[]; split?: string } = {}) {
  const dataset = await readBeir(dir, options.split);
  const env = parseRuntimeEnv(process.env);
  const { embedder, embedderUnavailableReason: reason } = await loadModel({
    modelId: env.THOTH_EMBEDDING_MODEL,
    modelDir: env.THOTH_MODEL_DIR,
  });
  const work = await mkdtemp(join(tmpdir(), "thoth-eval-"));
  try {
    const store = new FsObjectStore(work);
    const codecs = indexCodecs();
    const summary = await refreshCollection(
      { store, embedder, ...codecs },
      {
        collection: "eval",
        source: dataset.folder ? new LocalFolderSource(dataset.folder) : beirSource(dataset, resolve(dir)),
      },
    );
    const kb = await KnowledgeBase.open({ store, embedder, ...codecs });
    const available: SearchMode[] = embedder ? [...SEARCH_MODES] : ["keyword"];
    const modes = (options.modes ?? available).filter((m) => available.includes(m));
    const judged = [...dataset.qrels.keys()].filter((q) => dataset.queries.has(q));
    const score = async (name: string, rank: (query: string) => Promise<string[]>): Promise<ModeScores> => {
      let ndcg10 = 0;
      let mrr10 = 0;
      let recall10 = 0;
      let recall100 = 0;
      for (const q of judged) {
        // As BEIR's evaluator and Anserini do: a document with the query's own id is not an answer to it.
        const ranking = (await rank(dataset.queries.get(q)!)).filter((id) => id !== q);
        const relevant = dataset.qrels.get(q)!;
        ndcg10 += ndcgAt(ranking, relevant, 10);
        mrr10 += mrrAt(ranking, relevant, 10);
        recall10 += recallAt(ranking, relevant, 10);
        recall100 += recallAt(ranking, relevant, 100);
      }
      const n = Math.max(1, judged.length);
      return {
        mode: name,
        ndcg10: ndcg10 / n,
        mrr10: mrr10 / n,
        recall10: recall10 / n,
        recall100: recall100 / n,
        queries: judged.length,
      };
    };
    const results: ModeScores[] = [];
    for (const mode of modes) {
      results.push(
        await score(mode, (query) => kb.rankDocuments({ collection: "eval", query, mode, depth: 100 })),
      );
    }
    const baseline = new Bm25Baseline(
      dataset.corpus.map((d) => ({ id: d._id, text: `${d.title} ${d.text}` })),
    );
    results.push(await score("bm25-baseline", async (query) => baseline.rank(query, 100)));
    return {
      dataset: resolve(dir),
      documents: summary.documentsIndexed,
      chunks: summary.chunks,
      model: embedder?.modelId ?? null,
      ...(embedder ? {} : { note: `semantic and hybrid modes skipped: ${reason}` }),
      results,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mode: { type: "string", multiple: true },
      split: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (!process.env.THOTH_LOG_LEVEL) logger.setLogLevel("ERROR");
  try {
    const dir = positionals[0];
    if (!dir)
      throw new Error(
        "usage: npm run eval -- <beir-dir> [--mode keyword|semantic|hybrid] [--split test] [--json]",
      );
    const bad = (values.mode ?? []).filter((m) => !SEARCH_MODES.includes(m as SearchMode));
    if (bad.length) throw new Error(`unknown mode ${bad.join(", ")}; use ${SEARCH_MODES.join(", ")}`);
    const report = await evaluate(dir, {
      ...(values.mode ? { modes: values.mode as SearchMode[] } : {}),
      ...(values.split ? { split: values.split } : {}),
    });
    if (values.json) {
      console.log(JSON.stringify(report));
    } else {
      console.log(
        `${report.dataset}: ${report.documents} documents, ${report.chunks} chunks, model ${report.model ?? "none"}`,
      );
      if (report.note) console.log(`note: ${report.note}`);
      console.log("mode            nDCG@10   MRR@10  recall@10  recall@100  queries");
      for (const r of report.results) {
        console.log(
          `${r.mode.padEnd(15)} ${r.ndcg10.toFixed(4).padStart(7)}  ${r.mrr10.toFixed(4).padStart(7)}  ${r.recall10.toFixed(4).padStart(9)}  ${r.recall100.toFixed(4).padStart(10)}  ${String(r.queries).padStart(7)}`,
        );
      }
    }
  } catch (error) {
    console.error(`eval: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
