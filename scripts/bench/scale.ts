/**
 * The scale benchmark: a corpus of real text (bench/real-corpus.ts) at 1k, 10k, 30k and 130k chunks. Per size,
 * in fresh processes (scale-child.ts): keyword-only indexing (throughput, peak RSS, bundle bytes against text
 * bytes), then opening the collection from the S3 emulator (time, RSS) and in-process keyword search with
 * 10–20-word questions; at the largest size also HTTP with 1 and 50 connections (and 50 against `thoth dev
 * --workers 2`), and the hybrid path with 384-dimensional clustered vectors (open time, hnsw latency and
 * recall@10 against exact search).
 */
import { spawn, execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { S3ObjectStore, s3Client } from "../../functions/adapters/aws/s3-object-store.js";
import { freePort } from "../../cli/dev.js";
import { startDevWorkers } from "../../cli/dev-workers.js";
import { startS3 } from "../emulators.js";
import type { EngineFigures } from "./keyword-engines.js";
import { documentsFor, loadTextPool, realQueries } from "./real-corpus.js";

const exec = promisify(execFile);
const log = (line: string) => console.error(`[bench] ${line}`);

export interface ScaleRow {
  target: number;
  index: {
    documents: number;
    chunks: number;
    textBytes: number;
    bundleBytes: number;
    files: Record<string, number>;
    indexMs: number;
    mbPerSecond: number;
    peakRssMb: number;
  };
  open: {
    openMs: number;
    loadTimings: { downloadMs: number; indexLoadMs: number };
    rssAfterOpenMb: number;
    rssOpenGrowthMb: number;
    keyword: { p50: number; p95: number; p99: number };
    hybrid?: { p50: number; p95: number; p99: number };
    hnsw?: { latency: { p50: number; p99: number }; recallAt10: number };
  };
  http?: Record<string, HttpFigures>;
}

interface HttpFigures {
  connections: number;
  /** Server processes answering on the port (`thoth dev --workers`; absent: 1). */
  workers?: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function child(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "scale-child.ts"), ...args],
    { env: { ...process.env, THOTH_LOG_LEVEL: "SILENT", ...env }, stdio: ["ignore", "pipe", "inherit"] },
  );
}

/** Indexes `documents` documents of real text into an FsObjectStore at `dir`, in a fresh process. */
export async function indexInChild(
  documents: number,
  dir: string,
  vectors: boolean,
): Promise<ScaleRow["index"]> {
  const { stdout } = await exec(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "scale-child.ts"),
      "index",
      String(documents),
      dir,
      ...(vectors ? ["vectors"] : []),
    ],
    { env: { ...process.env, THOTH_LOG_LEVEL: "SILENT" }, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split("\n").pop()!) as ScaleRow["index"];
}

/** Copies an FsObjectStore's files into another store, key for key. */
export async function upload(dir: string, store: S3ObjectStore): Promise<void> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  for (const f of files) {
    const path = join(f.parentPath, f.name);
    await store.put(relative(dir, path).split("\\").join("/"), await readFile(path));
  }
}

async function http(
  url: string,
  queries: string[],
  connections: number,
  seconds: number,
  workers = 1,
): Promise<HttpFigures> {
  let n = 0;
  const body = () =>
    JSON.stringify({
      jsonrpc: "2.0",
      id: ++n,
      method: "tools/call",
      params: {
        name: "search_documents",
        arguments: { query: queries[n % queries.length], mode: "keyword", limit: 10 },
      },
    });
  const run = (duration: number) =>
    autocannon({
      url: `${url}/mcp`,
      connections,
      duration,
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: "Bearer bench",
      },
      requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }) }],
    });
  // A warm-up first, not counted: the first seconds under load are compilation and, with 50 connections, one
  // connection's queue behind the others' (1–5 s answers, at every start).
  await run(3);
  const result = await run(seconds);
  return {
    connections,
    ...(workers > 1 ? { workers } : {}),
    seconds,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

async function measure(target: number, options: { vectors: boolean; http: boolean; quick: boolean }) {
  const documents = documentsFor(target);
  const dir = await mkdtemp(join(tmpdir(), "thoth-bench-scale-"));
  log(
    `scale: indexing ${documents} documents of real text (~${target} chunks)${options.vectors ? " with 384-d vectors" : ""}`,
  );
  const index = await indexInChild(documents, dir, options.vectors);
  const bucket = "thoth-bench-scale";
  const s3 = await startS3(bucket);
  try {
    await upload(dir, new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), bucket));
    log(`scale: opening ${index.chunks} chunks from s3rver and searching`);
    const serveEnv = {
      THOTH_BUNDLE_BUCKET: bucket,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      THOTH_API_KEY: "bench",
      TMPDIR: await mkdtemp(join(tmpdir(), "thoth-bench-tmp-")),
    };
    const server = child(
      ["serve", options.quick ? "100" : "300", ...(options.vectors ? ["vectors"] : [])],
      serveEnv,
    );
    try {
      const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
      const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? "null");
      const open = (await next()) as ScaleRow["open"];
      if (!open) throw new Error("the serving process ended before it reported");
      const row: ScaleRow = { target, index, open };
      if (options.http) {
        const { url } = (await next()) as { url: string };
        // As many distinct questions as a run asks: none is answered twice from a warm text block.
        const queries = realQueries(await loadTextPool(), 20_000, 11);
        log(`scale: HTTP against ${index.chunks} chunks`);
        row.http = {
          one: await http(url, queries, 1, options.quick ? 3 : 10),
          fifty: await http(url, queries, 50, options.quick ? 5 : 30),
        };
        server.kill();
        log(`scale: HTTP against ${index.chunks} chunks, thoth dev --workers 2`);
        const workers = await startDevWorkers(
          2,
          { port: await freePort("127.0.0.1"), host: "127.0.0.1" },
          { ...process.env, ...serveEnv, THOTH_LOG_LEVEL: "SILENT" },
        );
        try {
          row.http.fiftyWorkers = await http(workers.url, queries, 50, options.quick ? 5 : 30, 2);
        } finally {
          await workers.close();
        }
      }
      return row;
    } finally {
      server.kill();
    }
  } finally {
    await s3.close();
  }
}

/**
 * Thoth's keyword index beside SQLite FTS5 on the same chunks (bench/keyword-engines.ts), each engine in its own
 * process: build time and peak RSS, index bytes, open, query latency.
 */
async function engines(target: number, quick: boolean): Promise<EngineFigures[]> {
  const dir = await mkdtemp(join(tmpdir(), "thoth-bench-engines-"));
  const script = join(import.meta.dirname, "keyword-engines.ts");
  const run = async (args: string[]) => {
    const { stdout } = await exec(process.execPath, ["--expose-gc", "--import", "tsx", script, ...args], {
      env: { ...process.env, THOTH_LOG_LEVEL: "SILENT" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as unknown;
  };
  log(`engines: cutting ${documentsFor(target)} documents into chunks`);
  await run(["prepare", String(documentsFor(target)), join(dir, "store"), join(dir, "chunks.jsonl")]);
  // Alternated, three rounds each (one in a quick run): this machine's timings vary by tens of percent from
  // run to run, so each engine's row is its median-build round, and the spread is kept beside it.
  const rounds = quick ? 1 : 3;
  const runs: Record<string, EngineFigures[]> = { thoth: [], fts5: [] };
  for (let round = 0; round < rounds; round++) {
    for (const engine of ["thoth", "fts5"]) {
      log(`engines: ${engine}, round ${round + 1} of ${rounds}`);
      const args = ["run", engine, join(dir, "chunks.jsonl"), join(dir, engine), quick ? "100" : "300"];
      runs[engine]!.push((await run(args)) as EngineFigures);
    }
  }
  const rows = Object.values(runs).map((all): EngineFigures => {
    const sorted = [...all].sort((a, b) => a.buildMs - b.buildMs);
    return { ...sorted[sorted.length >> 1]!, buildMsRange: [sorted[0]!.buildMs, sorted.at(-1)!.buildMs] };
  });
  await rm(dir, { recursive: true, force: true });
  return rows;
}

/** `npm run bench -- --throughput`: the largest keyword row alone (indexing, open, search, HTTP). */
export async function throughputBench(quick: boolean): Promise<ScaleRow> {
  return measure(quick ? 10_000 : 130_000, { vectors: false, http: true, quick });
}

/** `npm run bench -- --engines`: the keyword engines alone, at the largest size. */
export async function enginesBench(quick: boolean): Promise<EngineFigures[]> {
  return engines(quick ? 10_000 : 130_000, quick);
}

export async function scaleBench(
  quick: boolean,
): Promise<{ keyword: ScaleRow[]; vectors: ScaleRow; engines: EngineFigures[] }> {
  const sizes = quick ? [1000, 10_000] : [1000, 10_000, 30_000, 130_000];
  const keyword: ScaleRow[] = [];
  for (const target of sizes) {
    keyword.push(await measure(target, { vectors: false, http: target === sizes.at(-1), quick }));
  }
  const vectors = await measure(sizes.at(-1)!, { vectors: true, http: false, quick });
  return { keyword, vectors, engines: await engines(sizes.at(-1)!, quick) };
}
