/**
 * The first answer of a fresh serving process, at two sizes of real text with 384-d vectors. The packaged MCP
 * handler, laid out as the image lays out /var/task, opens the collection from s3rver on its first event. In
 * one process the first request is a keyword search; in another a hybrid search, after which the process asks
 * heartbeat until the vector index is in; in a third the same as on Lambda, where a hybrid search waits for the
 * vector index (the function is frozen between requests, so nothing loads behind them). Each is run three times (the median is kept). The two sizes give a
 * line per figure, extrapolated to the collection whose first answer would take API Gateway's 29 s.
 *
 * The queries are embedded by a generated 384-d test model under the bundle's model id (no real model can be
 * downloaded here), so the timings are real and the semantic ranking is not.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { S3ObjectStore, s3Client } from "../../functions/adapters/aws/s3-object-store.js";
import { startS3 } from "../emulators.js";
import { installRuntimeModules, layOutImage } from "../image-layout.js";
import { packageArtifacts } from "../package.js";
import { writeTinyModel } from "../tiny-model.js";
import { documentsFor, loadTextPool, realQueries } from "./real-corpus.js";
import { CLUSTERED_MODEL } from "./clustered-embedder.js";
import { indexInChild, upload } from "./scale.js";

const exec = promisify(execFile);
const log = (line: string) => console.error(`[bench] ${line}`);

/** API Gateway's integration timeout: a first request that takes longer gets a 504. */
export const GATEWAY_LIMIT_MS = 29_000;

export interface FirstAnswerRun {
  /** Importing the handler's module. */
  importMs: number;
  /** From the first event to its answer: opening the collection, then searching. */
  firstCallMs: number;
  /** From before the import to the first answer. */
  totalMs: number;
  /** The first answer's mode, and its notices. */
  mode: string;
  notices: string[];
  /** From before the import until heartbeat no longer says the vector index is loading (hybrid runs). */
  vectorsReadyMs?: number;
  /** The collection's own load timings, as the function logs them. */
  loadTimings?: { downloadMs: number; indexLoadMs: number; vectorsMs?: number };
}

export interface FirstAnswerSize {
  chunks: number;
  bundleBytes: number;
  files: Record<string, number>;
  keyword: FirstAnswerRun;
  /** A long-running process: hybrid ranks by keyword until the vectors are in. */
  hybrid: FirstAnswerRun;
  /** As on Lambda (AWS_LAMBDA_FUNCTION_NAME set): a hybrid search waits for the vectors, up to 20 s. */
  hybridLambda: FirstAnswerRun;
}

export interface FirstAnswerFigures {
  date: string;
  sizes: FirstAnswerSize[];
  /** Per figure, the chunks at which the line through the two sizes reaches GATEWAY_LIMIT_MS. */
  limitChunks: { firstKeyword: number; firstHybrid: number; firstHybridLambda: number; vectorsReady: number };
}

const RUNNER = `
const [task, mode, query] = process.argv.slice(2);
const event = (body) => ({ version: "2.0", rawPath: "/mcp", rawQueryString: "", isBase64Encoded: false,
  headers: { host: "x", "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer bench" },
  requestContext: { http: { method: "POST" }, domainName: "x" }, body: JSON.stringify(body) });
const call = async (id, name, args) => {
  const response = await handler(event({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }));
  if (response.statusCode !== 200) throw new Error(name + " answered " + response.statusCode + ": " + response.body);
  return JSON.parse(response.body).result.structuredContent;
};
const t0 = performance.now();
const { handler } = await import(task + "/index.mjs");
const t1 = performance.now();
const first = await call(1, "search_documents", { query, mode, limit: 10 });
const t2 = performance.now();
const timing = { importMs: t1 - t0, firstCallMs: t2 - t1, totalMs: t2 - t0, mode: first.mode, notices: first.notices };
if (mode !== "keyword") {
  for (let id = 2; ; id++) {
    const beat = await call(id, "heartbeat", {});
    if (!(beat.degraded ?? []).some((line) => line.includes("still loading"))) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  timing.vectorsReadyMs = performance.now() - t0;
}
process.stderr.write("TIMING " + JSON.stringify(timing) + "\\n");
`;

/** A packaged MCP handler's environment, as the stack sets it, with the bundle in s3rver and the key "bench". */
export function functionEnv(bucket: string, endpoint: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    THOTH_BUNDLE_BUCKET: bucket,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    THOTH_API_KEY: "bench",
  };
}

/** The chunks at which the line through (x1, y1) and (x2, y2) reaches `limit`. */
export function extrapolate(x1: number, y1: number, x2: number, y2: number, limit: number): number {
  const slope = (y2 - y1) / (x2 - x1);
  if (slope <= 0) return Infinity;
  return Math.round(x2 + (limit - y2) / slope);
}

export async function firstAnswerBench(quick: boolean): Promise<FirstAnswerFigures> {
  const work = await mkdtemp(join(tmpdir(), "thoth-bench-first-"));
  try {
    log("first answer: packaging the MCP handler as the image lays it out");
    const out = join(work, "dist");
    await packageArtifacts(out);
    const modelRoot = join(work, "model");
    await writeTinyModel(modelRoot, { id: CLUSTERED_MODEL, dimensions: 384 });
    const modules = await installRuntimeModules(join(out, "image", "mcp"), join(work, "modules"));
    const task = await layOutImage(join(out, "image", "mcp"), modules, join(work, "task"), modelRoot);
    const runner = join(work, "first-answer.mjs");
    await writeFile(runner, RUNNER);
    const [query] = realQueries(await loadTextPool(), 1, 23);

    const sizes: FirstAnswerSize[] = [];
    for (const target of quick ? [2_000, 10_000] : [30_000, 130_000]) {
      const dir = join(work, `bundle-${target}`);
      log(`first answer: indexing ~${target} chunks with 384-d vectors`);
      const index = await indexInChild(documentsFor(target), dir, true);
      const bucket = "thoth-bench-first";
      const s3 = await startS3(bucket);
      try {
        await upload(dir, new S3ObjectStore(s3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint }), bucket));
        const once = async (mode: "keyword" | "hybrid", lambda: boolean): Promise<FirstAnswerRun> => {
          const { stderr, stdout } = await exec(process.execPath, [runner, task, mode, query!], {
            cwd: task,
            maxBuffer: 64 * 1024 * 1024,
            env: {
              ...functionEnv(bucket, s3.endpoint),
              THOTH_MODEL_DIR: join(task, "model"),
              THOTH_EMBEDDING_MODEL: CLUSTERED_MODEL,
              THOTH_LOG_LEVEL: "INFO",
              THOTH_LOG_FORMAT: "json",
              // As a new Lambda sandbox: an empty /tmp, so the bundle comes from the store.
              TMPDIR: await mkdtemp(join(work, "tmp-")),
              ...(lambda ? { AWS_LAMBDA_FUNCTION_NAME: "thoth-bench-mcp" } : {}),
            },
          });
          const run = JSON.parse(stderr.split("TIMING ")[1]!) as FirstAnswerRun;
          // The whole version's timings: at open, or (answering by range meanwhile) once it is in.
          const opened = stdout
            .split("\n")
            .filter((line) => /"(knowledge base opened|collections loaded)"/.test(line))
            .map((line) => JSON.parse(line) as { collections: Record<string, FirstAnswerRun["loadTimings"]> })
            .find((line) => line.collections.bench);
          const loaded = stdout
            .split("\n")
            .filter((line) => line.includes('"vector index loaded"'))
            .map((line) => JSON.parse(line) as { vectorsMs: number })[0];
          return {
            ...run,
            importMs: Math.round(run.importMs),
            firstCallMs: Math.round(run.firstCallMs),
            totalMs: Math.round(run.totalMs),
            ...(run.vectorsReadyMs ? { vectorsReadyMs: Math.round(run.vectorsReadyMs) } : {}),
            ...(opened?.collections.bench
              ? {
                  loadTimings: {
                    ...opened.collections.bench,
                    ...(loaded ? { vectorsMs: loaded.vectorsMs } : {}),
                  },
                }
              : {}),
          };
        };
        const median = async (mode: "keyword" | "hybrid", lambda = false) => {
          const runs: FirstAnswerRun[] = [];
          for (let i = 0; i < (quick ? 1 : 3); i++) {
            log(
              `first answer: ${index.chunks} chunks, first request ${mode}${lambda ? " (as on Lambda)" : ""}, run ${i + 1}`,
            );
            runs.push(await once(mode, lambda));
          }
          return runs.sort((a, b) => a.totalMs - b.totalMs)[runs.length >> 1]!;
        };
        sizes.push({
          chunks: index.chunks,
          bundleBytes: index.bundleBytes,
          files: index.files,
          keyword: await median("keyword"),
          hybrid: await median("hybrid"),
          hybridLambda: await median("hybrid", true),
        });
      } finally {
        await s3.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
    const [a, b] = sizes as [FirstAnswerSize, FirstAnswerSize];
    const limit = (pick: (s: FirstAnswerSize) => number) =>
      extrapolate(a.chunks, pick(a), b.chunks, pick(b), GATEWAY_LIMIT_MS);
    return {
      date: new Date().toISOString().slice(0, 10),
      sizes,
      limitChunks: {
        firstKeyword: limit((s) => s.keyword.totalMs),
        firstHybrid: limit((s) => s.hybrid.totalMs),
        firstHybridLambda: limit((s) => s.hybridLambda.totalMs),
        vectorsReady: limit((s) => s.hybrid.vectorsReadyMs ?? 0),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
