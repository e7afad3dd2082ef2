/**
 * Soak: mixed search load on the local server while refreshes publish new versions underneath (hot swaps),
 * for a fixed time. Reports requests, errors (expected: 0), refreshes, and memory at start and end.
 */
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { loadTransformersEmbedder } from "../../functions/adapters/ml/transformers-embedder.js";
import { openMcpApp } from "../../functions/mcp-server/app.js";
import { createHandler } from "../../functions/mcp-server/handler.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { startDevServer } from "../../cli/dev-server.js";
import { generateQueries } from "./corpus.js";

export async function soak(options: {
  seconds: number;
  repo: string;
  modelDir: string;
  concurrency?: number;
}) {
  const dataDir = await mkdtemp(join(tmpdir(), "thoth-soak-"));
  const folder = join(dataDir, "handbook");
  await cp(join(options.repo, "examples/handbook"), folder, { recursive: true });
  const store = new FsObjectStore(join(dataDir, "store"));
  const embedder = await loadTransformersEmbedder({ modelDir: options.modelDir, modelId: "thoth/tiny" });
  const codecs = indexCodecs();
  const refresh = () =>
    refreshCollection(
      { store, embedder, ...codecs },
      { collection: "handbook", source: new LocalFolderSource(folder), keepVersions: 3 },
    );
  await refresh();
  const app = await openMcpApp({
    ...process.env,
    THOTH_DATA_DIR: dataDir,
    THOTH_API_KEY: "soak",
    THOTH_MODEL_DIR: options.modelDir,
    THOTH_EMBEDDING_MODEL: "thoth/tiny",
    THOTH_POINTER_CHECK_SECONDS: "1",
  });
  const server = await startDevServer({ handler: createHandler(async () => app), port: 0 });
  const queries = generateQueries(200);
  const modes = ["hybrid", "semantic", "keyword"];
  const deadline = Date.now() + options.seconds * 1000;
  const memory: number[] = [];
  let requests = 0;
  let errors = 0;
  let refreshes = 0;
  let refreshErrors = 0;
  const versions = new Set<string>();
  const sample = () => memory.push(process.memoryUsage().rss);
  sample();
  const sampler = setInterval(sample, 5000);
  const worker = async (w: number) => {
    for (let i = w; Date.now() < deadline; i++) {
      try {
        const response = await fetch(`${server.url}/mcp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: "Bearer soak",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: i,
            method: "tools/call",
            params: {
              name: i % 10 === 0 ? "heartbeat" : "search_documents",
              arguments: i % 10 === 0 ? {} : { query: queries[i % queries.length], mode: modes[i % 3] },
            },
          }),
        });
        const body = (await response.json()) as {
          result?: { isError?: boolean; structuredContent?: { collections?: { version: string }[] } };
        };
        requests++;
        if (response.status !== 200 || body.result?.isError) errors++;
        for (const c of body.result?.structuredContent?.collections ?? []) versions.add(c.version);
      } catch {
        requests++;
        errors++;
      }
    }
  };
  const refresher = async () => {
    for (let n = 0; Date.now() < deadline - 2000; n++) {
      await new Promise((r) => setTimeout(r, 5000));
      await writeFile(
        join(folder, "soak-note.md"),
        `# Soak note\n\nRevision ${n} of a page that keeps changing.`,
      );
      try {
        await refresh();
        refreshes++;
      } catch {
        refreshErrors++;
      }
    }
  };
  const started = Date.now();
  await Promise.all([...Array.from({ length: options.concurrency ?? 8 }, (_, w) => worker(w)), refresher()]);
  clearInterval(sampler);
  sample();
  await server.close();
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  return {
    seconds: Math.round((Date.now() - started) / 1000),
    concurrency: options.concurrency ?? 8,
    requests,
    errors,
    refreshes,
    refreshErrors,
    versionsServed: versions.size,
    rssStartMb: mb(memory[0]!),
    rssEndMb: mb(memory[memory.length - 1]!),
    rssMaxMb: mb(Math.max(...memory)),
    rssSamplesMb: memory.map(mb),
  };
}
