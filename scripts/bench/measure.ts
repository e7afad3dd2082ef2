/**
 * The measurements of `npm run bench`: search latency and recall, scale, refresh throughput, cold start, HTTP
 * load, a soak and the eval, on this machine. main.ts runs them and report.ts writes what they found.
 */
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { S3ObjectStore, s3Client } from "../../functions/adapters/aws/s3-object-store.js";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { DEFAULT_HNSW_PARAMS, hnswCodec } from "../../functions/adapters/ml/hnsw-vector-index.js";
import { loadTransformersEmbedder } from "../../functions/adapters/ml/transformers-embedder.js";
import { BUNDLE_FILES, loadVersion, readPointer } from "../../functions/core/bundle.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import type { Embedder, ObjectStore } from "../../functions/core/ports.js";
import { openMcpApp } from "../../functions/mcp-server/app.js";
import { createHandler } from "../../functions/mcp-server/handler.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { startDevServer } from "../../cli/dev-server.js";
import { startS3 } from "../emulators.js";
import { installRuntimeModules, layOutImage } from "../image-layout.js";
import { packageArtifacts } from "../package.js";
import { writeTinyModel } from "../tiny-model.js";
import { corpusSource } from "./corpus.js";
import { documentsFor, loadTextPool, realCorpus, realQueries, type TextPool } from "./real-corpus.js";
import { firstAnswerBench, functionEnv } from "./first-answer.js";
import { scaleBench } from "./scale.js";
import { soak } from "./soak.js";
import { settledRss, summarize } from "./stats.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const QUICK = process.argv.includes("--quick");
const exec = promisify(execFile);
const codecs = indexCodecs();
const now = () => performance.now();
const log = (line: string) => console.error(`[bench] ${line}`);

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t = now();
  const value = await fn();
  return [value, now() - t];
}

function exactTopK(matrix: Float32Array, dims: number, q: Float32Array, k: number): number[] {
  const n = matrix.length / dims;
  const best: { label: number; score: number }[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dims;
    for (let j = 0; j < dims; j++) s += matrix[o + j]! * q[j]!;
    if (best.length < k || s > best[best.length - 1]!.score) {
      best.push({ label: i, score: s });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.label);
}

async function searchBench(size: number, embedder: Embedder, pool: TextPool) {
  log(`search: building a ${size}-chunk bundle with the tiny model`);
  const store = new FsObjectStore(await mkdtemp(join(tmpdir(), "thoth-bench-search-")));
  const summary = await refreshCollection(
    { store, embedder, ...codecs },
    { collection: "bench", source: corpusSource(realCorpus(pool, documentsFor(size))) },
  );
  // Collect what the build left behind, so the difference is the loaded bundle.
  const settle = settledRss;
  const rssBefore = await settle();
  const [kb, openMs] = await time(() => KnowledgeBase.open({ store, embedder, ...codecs }));
  const rssAfter = await settle();
  const queries = realQueries(pool, QUICK ? 60 : 300);
  for (const q of queries.slice(0, 20)) await kb.search({ query: q });
  const modes: Record<string, ReturnType<typeof summarize>> = {};
  for (const mode of ["hybrid", "semantic", "keyword"] as const) {
    const samples: number[] = [];
    for (const query of queries) samples.push((await time(() => kb.search({ query, mode, limit: 10 })))[1]);
    modes[mode] = summarize(samples);
  }
  // ANN against exact search on the same query vectors.
  const { files } = await loadVersion(store, "bench", (await readPointer(store, "bench"))!);
  const bytes = files.get(BUNDLE_FILES.vectorIndex)!;
  const dims = embedder.dimensions;
  const base = await codecs.vectorCodec.load(bytes, dims);
  const matrix = new Float32Array(base.size * dims);
  for (let i = 0; i < base.size; i++) matrix.set(base.vector(i), i * dims);
  const vectors = await embedder.embed(queries);
  const exactSamples: number[] = [];
  const truth = vectors.map((v) => {
    const [top, ms] = (() => {
      const t = now();
      const r = exactTopK(matrix, dims, v, 10);
      return [r, now() - t] as const;
    })();
    exactSamples.push(ms);
    return new Set(top);
  });
  const efs = [];
  for (const efSearch of [16, 32, 64, 128]) {
    const index = await hnswCodec({ ...DEFAULT_HNSW_PARAMS, efSearch }).load(bytes, dims);
    const samples: number[] = [];
    let found = 0;
    vectors.forEach((v, i) => {
      const t = now();
      const hits = index.search(v, 10);
      samples.push(now() - t);
      found += hits.filter((h) => truth[i]!.has(h.label)).length;
    });
    efs.push({
      efSearch,
      recallAt10: Math.round((found / (vectors.length * 10)) * 1000) / 1000,
      latency: summarize(samples),
    });
  }
  return {
    chunks: summary.chunks,
    documents: summary.documentsIndexed,
    buildMs: summary.durationMs,
    openMs: Math.round(openMs),
    loadedRssMb: Math.round((rssAfter - rssBefore) / 1024 / 1024),
    modes,
    exact: summarize(exactSamples),
    efs,
  };
}

async function refreshBench(modelDir: string) {
  const rows = [];
  for (const chunks of QUICK ? [1000] : [1000, 10_000]) {
    for (const model of [modelDir, "none"]) {
      log(`refresh: ${chunks} chunks, ${model === "none" ? "no embedding" : "tiny model"}`);
      const { stdout } = await exec(
        process.execPath,
        ["--import", "tsx", join(REPO, "scripts/bench/refresh-child.ts"), String(chunks), model],
        {
          cwd: REPO,
          env: { ...process.env, THOTH_LOG_LEVEL: "SILENT" },
          maxBuffer: 1024 * 1024,
        },
      );
      const r = JSON.parse(stdout.trim().split("\n").pop()!);
      rows.push({
        ...r,
        embedding: model !== "none",
        docsPerSecond: Math.round(r.documents / (r.firstMs / 1000)),
        chunksPerSecond: Math.round(r.chunks / (r.firstMs / 1000)),
        bytesPerChunk: Math.round(r.bundleBytes / r.chunks),
      });
    }
  }
  return rows;
}

async function coldStartBench(modelDir: string) {
  log("cold start: packaging, publishing the handbook to s3rver, starting fresh processes");
  const out = await mkdtemp(join(tmpdir(), "thoth-bench-dist-"));
  const sizes = await packageArtifacts(out);
  const bucket = "thoth-bench";
  const s3 = await startS3(bucket);
  try {
    const store: ObjectStore = new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), bucket);
    const embedder = await loadTransformersEmbedder({ modelDir, modelId: "thoth/tiny" });
    await refreshCollection(
      { store, embedder, ...codecs },
      { collection: "handbook", source: new LocalFolderSource(join(REPO, "examples/handbook")) },
    );
    const lambda = await mkdtemp(join(tmpdir(), "thoth-bench-lambda-"));
    // The image's /var/task, built as functions/Dockerfile does (npm ci from the context's lockfile).
    const modules = await installRuntimeModules(join(out, "image", "mcp"), lambda);
    await layOutImage(join(out, "image", "mcp"), modules, join(lambda, "task"), modelDir);
    const runner = join(lambda, "invoke.mjs");
    await writeFile(
      runner,
      `const t0 = performance.now();
const { handler } = await import(${JSON.stringify(join(lambda, "task", "index.mjs"))});
const t1 = performance.now();
const result = await handler({ version: "2.0", rawPath: "/mcp", rawQueryString: "", isBase64Encoded: false,
  headers: { host: "x", "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer bench" },
  requestContext: { http: { method: "POST" }, domainName: "x" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_documents", arguments: { query: "rotate the on-call pager" } } }) });
const t2 = performance.now();
const t3s = performance.now();
await handler({ version: "2.0", rawPath: "/mcp", rawQueryString: "", isBase64Encoded: false,
  headers: { host: "x", "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer bench" },
  requestContext: { http: { method: "POST" }, domainName: "x" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "search_documents", arguments: { query: "expense receipts" } } }) });
const t3 = performance.now();
process.stderr.write("TIMING " + JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, secondCallMs: t3 - t3s, status: result.statusCode }) + "\\n");
`,
    );
    const measure = async (withModel: boolean) => {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await once(withModel));
      runs.sort((a, b) => a.totalMs - b.totalMs);
      return { median: runs[1]!, runs };
    };
    const once = async (withModel: boolean) => {
      const { stdout, stderr } = await exec(process.execPath, [runner], {
        cwd: lambda,
        env: {
          ...functionEnv(bucket, s3.endpoint),
          ...(withModel
            ? { THOTH_MODEL_DIR: join(lambda, "task", "model"), THOTH_EMBEDDING_MODEL: "thoth/tiny" }
            : {}),
          THOTH_LOG_LEVEL: "INFO",
          // JSON lines, as on Lambda: the "embedding model loaded" and "knowledge base opened" entries are read below.
          THOTH_LOG_FORMAT: "json",
          TMPDIR: await mkdtemp(join(tmpdir(), "thoth-bench-tmp-")),
        },
      });
      const timing = JSON.parse(stderr.split("TIMING ")[1]!);
      const entry = (message: string) =>
        stdout
          .split("\n")
          .filter((l) => l.includes(`"${message}"`))
          .map((l) => JSON.parse(l))[0];
      const opened = entry("knowledge base opened");
      return {
        importMs: Math.round(timing.importMs),
        modelLoadMs: entry("embedding model loaded")?.modelLoadMs ?? 0,
        downloadMs: opened.collections.handbook.downloadMs,
        indexLoadMs: opened.collections.handbook.indexLoadMs,
        firstCallMs: Math.round(timing.firstCallMs),
        secondCallMs: Math.round(timing.secondCallMs),
        totalMs: Math.round(timing.importMs + timing.firstCallMs),
        status: timing.status,
      };
    };
    const withModel = await measure(true);
    const noModel = await measure(false);
    return { ...withModel, noModel, sizes };
  } finally {
    await s3.close();
  }
}

async function httpBench(modelDir: string) {
  log("http: autocannon against the local server");
  const dataDir = await mkdtemp(join(tmpdir(), "thoth-bench-http-"));
  const embedder = await loadTransformersEmbedder({ modelDir, modelId: "thoth/tiny" });
  await refreshCollection(
    { store: new FsObjectStore(join(dataDir, "store")), embedder, ...codecs },
    { collection: "handbook", source: new LocalFolderSource(join(REPO, "examples/handbook")) },
  );
  const env = {
    ...process.env,
    THOTH_DATA_DIR: dataDir,
    THOTH_API_KEY: "bench",
    THOTH_MODEL_DIR: modelDir,
    THOTH_EMBEDDING_MODEL: "thoth/tiny",
  };
  const app = await openMcpApp(env);
  const server = await startDevServer({ handler: createHandler(async () => app), port: 0 });
  try {
    const result = await autocannon({
      url: `${server.url}/mcp`,
      connections: 50,
      duration: QUICK ? 3 : 10,
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: "Bearer bench",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "search_documents", arguments: { query: "how do I roll back a deploy", limit: 5 } },
      }),
    });
    return {
      connections: 50,
      durationSeconds: QUICK ? 3 : 10,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    };
  } finally {
    await server.close();
  }
}

/** Every measurement, in order; the figures the report is written from. */
export async function runAll() {
  const modelRoot = await mkdtemp(join(tmpdir(), "thoth-bench-model-"));
  await writeTinyModel(modelRoot);
  const embedder = await loadTransformersEmbedder({ modelDir: modelRoot, modelId: "thoth/tiny" });
  const search = [];
  const pool = await loadTextPool();
  for (const size of QUICK ? [2000] : [10_000]) search.push(await searchBench(size, embedder, pool));
  const scale = await scaleBench(QUICK);
  const firstAnswer = await firstAnswerBench(QUICK);
  const refresh = await refreshBench(modelRoot);
  const coldStart = await coldStartBench(modelRoot);
  const http = await httpBench(modelRoot);
  const soakSeconds = Number(
    process.argv.find((a) => a.startsWith("--soak-seconds="))?.split("=")[1] ?? (QUICK ? 20 : 180),
  );
  log(`soak: ${soakSeconds} s of mixed search load with refreshes every 5 s`);
  const soaked = await soak({ seconds: soakSeconds, repo: REPO, modelDir: modelRoot });
  // Keyword ranking against the stemmed BM25 baseline: the shipped sample (every mode, with the tiny test model),
  // then keyword only on real text: SciFact train (tuned on), the held-in handbook questions (they guided the
  // design) and the held-out ones (never tuned on). Sets that need ../shared are left out without it.
  const sets: { dir: string; args: string[]; label: string; model: boolean }[] = [
    {
      dir: "examples/beir-sample",
      args: [],
      label: "examples/beir-sample (every mode; tiny test model)",
      model: true,
    },
    {
      dir: "../shared/eval/scifact-train",
      args: ["--split", "train"],
      label: "SciFact train (tuned on)",
      model: false,
    },
    {
      dir: "eval/handbook-questions",
      args: [],
      label: "handbook questions, held in (they guided the design)",
      model: false,
    },
    {
      dir: "eval/handbook-unseen",
      args: [],
      label: "handbook questions, held out (never tuned on)",
      model: false,
    },
  ];
  const { THOTH_MODEL_DIR: _dir, THOTH_EMBEDDING_MODEL: _model, ...withoutModel } = process.env;
  const evalParts: string[] = [];
  for (const set of sets) {
    log(`eval: ${set.dir}`);
    const run = await exec("npm", ["run", "--silent", "eval", "--", join(REPO, set.dir), ...set.args], {
      cwd: REPO,
      env: set.model
        ? { ...withoutModel, THOTH_MODEL_DIR: modelRoot, THOTH_EMBEDDING_MODEL: "thoth/tiny" }
        : withoutModel,
    }).catch((error: { stderr?: string }) => ({ stdout: "", stderr: error.stderr ?? String(error) }));
    evalParts.push(
      `# ${set.label}`,
      run.stdout.trim() || `not run: ${run.stderr.trim().split("\n").pop()}`,
      "",
    );
  }
  const evalOut = evalParts.join("\n");
  return {
    date: new Date().toISOString().slice(0, 10),
    command: `npm run bench${QUICK ? " -- --quick" : ""}`,
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.versions.node,
    },
    search,
    scale,
    firstAnswer,
    refresh,
    coldStart,
    http,
    soak: soaked,
    eval: evalOut.replace(REPO + "/", ""),
  };
}

export type BenchResults = Awaited<ReturnType<typeof runAll>>;
