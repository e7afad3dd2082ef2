/**
 * Keyword engines side by side on the same chunks, one fresh process per engine (so each has its own memory):
 * Thoth's keyword index (Bm25Builder, one thread) and SQLite FTS5 (better-sqlite3, a dev dependency; bm25() with
 * the same field weights, Porter stemming, contentless, on disk). Each builds from chunks already in memory,
 * then is opened again from its file and answers the same questions. The baseline row of issue 24.
 *
 *   prepare <documents> <dir> <chunks.jsonl>   index the seeded real-text corpus keyword-only (bench/real-corpus.ts)
 *                                              and write its chunks, as the refresh cut them, one JSON per line
 *   run <thoth|fts5> <chunks.jsonl> <work-dir> <queries>
 *                                              build, measure, reopen, query; prints one JSON object
 */
import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { forEachWord } from "../../functions/adapters/keyword/analyzer.js";
import { Bm25Builder, type IndexedChunk } from "../../functions/adapters/keyword/bm25-builder.js";
import { Bm25Index } from "../../functions/adapters/keyword/bm25-index.js";
import { DEFAULT_BM25 } from "../../functions/adapters/keyword/params.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { corpusSource } from "./corpus.js";
import { loadTextPool, realCorpus, realQueries } from "./real-corpus.js";
import { summarize } from "./stats.js";

export interface EngineFigures {
  engine: "thoth" | "fts5";
  chunks: number;
  buildMs: number;
  peakRssMb: number;
  indexBytes: number;
  openMs: number;
  query: { p50: number; p95: number; p99: number };
  /** In the bench's report: the fastest and slowest build of the rounds this row is the median of. */
  buildMsRange?: [number, number];
}

const emit = (value: unknown) => process.stdout.write(JSON.stringify(value) + "\n");

async function prepare(documents: number, dir: string, out: string): Promise<void> {
  const docs = realCorpus(await loadTextPool(), documents);
  const store = new FsObjectStore(dir);
  const codecs = indexCodecs();
  await refreshCollection(
    { store, embedder: null, ...codecs },
    { collection: "bench", source: corpusSource(docs) },
  );
  const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
  const { documents: stored, chunks } = kb.collection("bench");
  const lines: string[] = [];
  let lastDoc = -1;
  for (let label = 0; label < chunks.length; label++) {
    const doc = chunks.docIndex(label);
    const chunk: IndexedChunk = {
      doc,
      title: doc === lastDoc ? "" : stored[doc]!.title,
      heading: chunks.headingPath(label).join(" › "),
      text: chunks.text(label),
    };
    lastDoc = doc;
    lines.push(JSON.stringify(chunk));
  }
  await writeFile(out, lines.join("\n") + "\n");
  emit({ documents: stored.length, chunks: chunks.length });
}

async function readChunks(file: string): Promise<IndexedChunk[]> {
  const chunks: IndexedChunk[] = [];
  for await (const line of createInterface({ input: createReadStream(file) }))
    if (line) chunks.push(JSON.parse(line) as IndexedChunk);
  return chunks;
}

/** Peak RSS while `work` runs, sampled every 10 ms. */
async function peakDuring<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number; peak: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { value, ms, peak: Math.max(peak, process.memoryUsage().rss) };
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** The query words FTS5 is asked for: the same words Thoth's analyzer keeps, any of them (OR). */
function ftsQuery(query: string): string {
  const words = new Set<string>();
  forEachWord(query, (w) => words.add(w));
  return [...words].map((w) => `"${w}"`).join(" OR ");
}

async function run(engine: "thoth" | "fts5", file: string, work: string, queryCount: number) {
  const chunks = await readChunks(file);
  const queries = realQueries(await loadTextPool(), queryCount);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  (globalThis as { gc?: () => void }).gc?.();
  let built: { ms: number; peak: number };
  let opened: { ms: number };
  let search: (query: string) => unknown;
  let path: string;
  if (engine === "thoth") {
    path = join(work, "keyword.bin");
    built = await peakDuring(async () => {
      const builder = new Bm25Builder(DEFAULT_BM25);
      for (const chunk of chunks) builder.add(chunk);
      await writeFile(path, builder.finish().serialize());
    });
    const file = path;
    const loaded = await peakDuring(async () => Bm25Index.load(new Uint8Array(await readFile(file))));
    opened = loaded;
    search = (q) => loaded.value.search(q, 10);
  } else {
    const { default: Database } = await import("better-sqlite3");
    const file = (path = join(work, "fts5.db"));
    const { title, heading, text } = DEFAULT_BM25.fields;
    built = await peakDuring(() => {
      const db = new Database(file);
      db.pragma("journal_mode = OFF");
      db.pragma("synchronous = OFF");
      db.exec(
        "CREATE VIRTUAL TABLE chunks USING fts5(title, heading, text, content='', tokenize='porter unicode61')",
      );
      const insert = db.prepare("INSERT INTO chunks(rowid, title, heading, text) VALUES (?, ?, ?, ?)");
      db.transaction(() => chunks.forEach((c, i) => insert.run(i, c.title, c.heading, c.text)))();
      db.exec("INSERT INTO chunks(chunks) VALUES ('optimize')");
      db.close();
    });
    const prepared = await peakDuring(() => {
      const db = new Database(file, { readonly: true });
      return db.prepare(
        `SELECT rowid, bm25(chunks, ${title.weight}, ${heading.weight}, ${text.weight}) AS score FROM chunks WHERE chunks MATCH ? ORDER BY score LIMIT 10`,
      );
    });
    opened = prepared;
    search = (q) => prepared.value.all(ftsQuery(q));
  }
  for (const q of queries.slice(0, 20)) search(q);
  const samples = queries.map((q) => {
    const t = performance.now();
    search(q);
    return performance.now() - t;
  });
  emit({
    engine,
    chunks: chunks.length,
    buildMs: Math.round(built.ms),
    peakRssMb: mb(built.peak),
    indexBytes: (await stat(path)).size,
    openMs: Math.round(opened.ms),
    query: summarize(samples),
  } satisfies EngineFigures);
}

const [command, ...args] = process.argv.slice(2);
if (command === "prepare") await prepare(Number(args[0]), args[1]!, args[2]!);
else if (command === "run")
  await run(args[0] as "thoth" | "fts5", args[1]!, args[2]!, Number(args[3] ?? 300));
else
  throw new Error(
    "usage: keyword-engines.ts prepare <documents> <dir> <chunks.jsonl> | run <thoth|fts5> <chunks.jsonl> <work-dir> [queries]",
  );
