/**
 * The scale benchmark's measured processes, one per step so each has its own memory:
 *
 *   index <documents> <store-dir> [vectors]   index a seeded corpus of real text (bench/real-corpus.ts), keyword
 *                                             only or with 384-d clustered vectors; prints throughput, peak RSS,
 *                                             text and bundle bytes
 *   serve <queries>                           open the collection from the S3 emulator the environment names
 *                                             (THOTH_BUNDLE_BUCKET, AWS_ENDPOINT_URL_S3), time in-process
 *                                             searches, then serve HTTP and print its URL; runs until killed
 *
 * Every line it prints on stdout is one JSON object.
 */
import { mkdir } from "node:fs/promises";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { createModelRuntime, createRuntime } from "../../functions/composition.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { parseRuntimeEnv } from "../../shared/config.js";
import { createHandler } from "../../functions/mcp-server/handler.js";
import { openMcpApp } from "../../functions/mcp-server/app.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { startDevServer } from "../../cli/dev-server.js";
import { ClusteredEmbedder } from "./clustered-embedder.js";
import { corpusSource } from "./corpus.js";
import { loadTextPool, realCorpus, realQueries } from "./real-corpus.js";
import { settledRss, summarize } from "./stats.js";

const emit = (value: unknown) => process.stdout.write(JSON.stringify(value) + "\n");

async function index(documents: number, dir: string, vectors: boolean): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const pool = await loadTextPool();
  const docs = realCorpus(pool, documents);
  const textBytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
  await mkdir(dir, { recursive: true });
  const store = new FsObjectStore(dir);
  const started = performance.now();
  const summary = await refreshCollection(
    { store, embedder: vectors ? new ClusteredEmbedder() : null, ...indexCodecs() },
    { collection: "bench", source: corpusSource(docs) },
  );
  const ms = performance.now() - started;
  clearInterval(sampler);
  let bundleBytes = 0;
  const files: Record<string, number> = {};
  for (const key of await store.list(`collections/bench/versions/${summary.version}/`)) {
    const bytes = (await store.get(key))!.byteLength;
    files[key.split("/").pop()!] = bytes;
    bundleBytes += bytes;
  }
  emit({
    documents: summary.documentsIndexed,
    chunks: summary.chunks,
    textBytes,
    bundleBytes,
    files,
    indexMs: Math.round(ms),
    mbPerSecond: Math.round((textBytes / 1e6 / (ms / 1000)) * 100) / 100,
    peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024),
  });
}

async function serve(queryCount: number, vectors: boolean): Promise<void> {
  const env = parseRuntimeEnv(process.env);
  const settle = settledRss;
  const rssBefore = await settle();
  const started = performance.now();
  // No real model can be loaded here: the clustered vectors' "model" embeds the queries.
  const kb = vectors
    ? await KnowledgeBase.open({ ...(await createRuntime(env)), embedder: new ClusteredEmbedder() })
    : await KnowledgeBase.open(await createModelRuntime(env));
  const openMs = performance.now() - started;
  const rssAfter = await settle();
  const queries = realQueries(await loadTextPool(), queryCount);
  const time = async (mode: "keyword" | "hybrid" | "semantic") => {
    for (const query of queries.slice(0, 20)) await kb.search({ query, mode, limit: 10 });
    const samples: number[] = [];
    for (const query of queries) {
      const t = performance.now();
      await kb.search({ query, mode, limit: 10 });
      samples.push(performance.now() - t);
    }
    return summarize(samples);
  };
  emit({
    openMs: Math.round(openMs),
    loadTimings: kb.loadTimings().bench,
    rssAfterOpenMb: Math.round(rssAfter / 1024 / 1024),
    rssOpenGrowthMb: Math.round((rssAfter - rssBefore) / 1024 / 1024),
    keyword: await time("keyword"),
    ...(vectors ? { hybrid: await time("hybrid"), hnsw: await hnswRecall(kb, queries) } : {}),
  });
  if (vectors) return;
  const app = await openMcpApp(process.env);
  const server = await startDevServer({ handler: createHandler(async () => app), port: 0 });
  emit({ url: server.url });
}

/** hnsw search alone (the query already embedded): latency, and recall@10 against exact search. */
async function hnswRecall(kb: KnowledgeBase, queries: string[]) {
  const index = kb.collection("bench").vectors!;
  const embedded = await new ClusteredEmbedder().embed(queries.slice(0, 100));
  const stored = Array.from({ length: index.size }, (_, label) => index.vector(label));
  const samples: number[] = [];
  let found = 0;
  for (const q of embedded) {
    const t = performance.now();
    const hits = index.search(q, 10);
    samples.push(performance.now() - t);
    const exact = stored
      .map((v, label) => {
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += v[i]! * q[i]!;
        return { label, dot };
      })
      .sort((a, b) => b.dot - a.dot)
      .slice(0, 10);
    const truth = new Set(exact.map((e) => e.label));
    found += hits.filter((h) => truth.has(h.label)).length;
  }
  return {
    latency: summarize(samples),
    recallAt10: Math.round((found / (embedded.length * 10)) * 1000) / 1000,
  };
}

const [command, ...args] = process.argv.slice(2);
if (command === "index") await index(Number(args[0]), args[1]!, args[2] === "vectors");
else if (command === "serve") await serve(Number(args[0] ?? 300), args[1] === "vectors");
else throw new Error("usage: scale-child.ts index <documents> <dir> [vectors] | serve <queries> [vectors]");
