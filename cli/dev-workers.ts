/**
 * `thoth dev --workers N`: N processes answer on one port (node:cluster hands each connection to one of them),
 * each with its own copy of the collections, its own pointer checks and hot swaps. One event loop serves one
 * request at a time; a laptop has more cores than that. This file is both sides: `startDevWorkers` in the
 * primary, and the worker's main when node:cluster runs this file as a worker.
 */
import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import { logger } from "../functions/lib/logger.js";
import { openMcpApp } from "../functions/mcp-server/app.js";
import { createHandler } from "../functions/mcp-server/handler.js";
import { startDevServer } from "./dev-server.js";

/** What the primary tells a worker, as its one argument (JSON). */
interface WorkerSettings {
  port: number;
  host: string;
}

/** A worker's first message: it listens, and with which model it embeds (absent: keyword only). */
interface Ready {
  ready: true;
  url: string;
  modelId?: string;
}

export interface DevWorkers {
  url: string;
  /** The model the workers embed queries with, if any. */
  modelId?: string;
  close(): Promise<void>;
}

/**
 * Forks `count` workers that each open the collections of `env`'s data dir and listen on `port` (a fixed port:
 * the caller picks a free one for 0), and resolves once all of them listen. A worker that exits while the
 * others serve is replaced; one that fails before it listens fails the start, with its reason on stderr.
 */
export async function startDevWorkers(
  count: number,
  settings: WorkerSettings,
  env: Record<string, string | undefined>,
): Promise<DevWorkers> {
  cluster.setupPrimary({
    exec: fileURLToPath(import.meta.url),
    // The worker is this TypeScript file: it runs through tsx, as the CLI does.
    execArgv: ["--import", import.meta.resolve("tsx")],
    // An argument, not a message: a message sent before the worker's listener is attached would be dropped.
    args: [JSON.stringify(settings)],
  });
  const workerEnv = {
    ...env,
    // The primary's level (thoth dev logs INFO unless told otherwise).
    THOTH_LOG_LEVEL: env["THOTH_LOG_LEVEL"] ?? logger.getLevelName(),
  };
  let closing = false;
  const fork = (): Promise<Ready> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(workerEnv);
      let listening = false;
      worker.once("message", (message: Ready) => {
        listening = true;
        resolve(message);
      });
      worker.once("exit", (code, signal) => {
        const reason = `a thoth dev worker exited (${signal ?? `code ${code}`})`;
        if (!listening) return reject(new Error(`${reason} before it listened; its error is above`));
        if (closing) return;
        logger.warn(`${reason}; starting another`);
        fork().catch((error: unknown) =>
          logger.error("could not start another thoth dev worker", { error: error as Error }),
        );
      });
    });
  const workers = (): Worker[] => Object.values(cluster.workers ?? {}).flatMap((w) => (w ? [w] : []));
  const stop = async () => {
    closing = true;
    await Promise.all(
      workers().map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once("exit", () => resolve());
            w.process.kill("SIGTERM");
          }),
      ),
    );
  };
  try {
    const ready = await Promise.all(Array.from({ length: count }, fork));
    return {
      url: ready[0]!.url,
      ...(ready[0]!.modelId ? { modelId: ready[0]!.modelId } : {}),
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One process: the app and the local server, as single-process thoth dev and each worker run them. */
export async function serveApp(env: NodeJS.ProcessEnv, port: number, host: string) {
  const app = await openMcpApp(env);
  const server = await startDevServer({
    handler: createHandler(async () => app),
    port,
    host,
    authenticate: (headers) => app.authenticate(headers),
  });
  // Serving already (keyword searches do not wait for the model); the banner names the model once it is in.
  await app.kb.modelLoaded();
  return { url: server.url, modelId: app.kb.embedder?.modelId, close: () => server.close() };
}

/** The worker: serveApp on the primary's port, then it tells the primary it listens. */
async function serveAsWorker(settings: WorkerSettings): Promise<void> {
  const server = await serveApp(process.env, settings.port, settings.host);
  const ready: Ready = {
    ready: true,
    url: server.url,
    ...(server.modelId ? { modelId: server.modelId } : {}),
  };
  process.send!(ready);
  process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
}

if (cluster.isWorker) {
  serveAsWorker(JSON.parse(process.argv[2]!) as WorkerSettings).catch((error: unknown) => {
    console.error(`thoth dev worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
