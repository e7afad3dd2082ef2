import { stderrProgress } from "./progress.js";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiKeySettingError, clientKey, parseApiKeyEntries } from "../shared/api-keys.js";
import { parseRuntimeEnv } from "../shared/config.js";
import { clientConfig, type ClientKind } from "../shared/client-config.js";
import { DEFAULT_PORT, MCP_PATH, OAUTH_MCP_PATH, isTestModel, testModelNotice } from "../shared/names.js";
import { ENV } from "../shared/config.js";
import { listPublishedCollections, readManifest, readPointer } from "../functions/core/bundle.js";
import type { ObjectStore } from "../functions/core/ports.js";
import { createRuntime } from "../functions/composition.js";
import { serveApp, startDevWorkers } from "./dev-workers.js";
import { INSPECTOR_CLIENT_ID, LOCAL_USERS, startLocalIssuer, type LocalIssuer } from "./local-issuer.js";
import { describeSummary, indexFolder } from "./index-folder.js";
import { describeOutcomes, refreshLocally } from "./refresh.js";

export const SAMPLE_HANDBOOK = resolve(dirname(fileURLToPath(import.meta.url)), "../examples/handbook");
export const SAMPLE_COLLECTION = "handbook";

/**
 * The API key for local mode: THOTH_API_KEY (checked here, so a malformed setting stops the server before it
 * listens), else one generated once and kept in the data dir. `key` is one usable key of the setting.
 */
async function localApiKey(dataDir: string): Promise<{ key: string; generated: boolean }> {
  const existing = await readLocalApiKey(dataDir);
  if (existing) return { key: existing, generated: false };
  const file = join(dataDir, "local-api-key");
  const key = `thoth_${randomBytes(24).toString("base64url")}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { key, generated: true };
}

/** The local key without generating one: THOTH_API_KEY's first usable key, else the data dir's key file. */
async function readLocalApiKey(dataDir: string): Promise<string | undefined> {
  const fromEnv = process.env[ENV.THOTH_API_KEY]?.trim();
  if (fromEnv) {
    const key = clientKey(parseApiKeyEntries(fromEnv, ENV.THOTH_API_KEY));
    if (!key) throw new ApiKeySettingError(`${ENV.THOTH_API_KEY} holds no key`);
    return key;
  }
  return (await readFile(join(dataDir, "local-api-key"), "utf8").catch(() => "")).trim() || undefined;
}

export class PortInUseError extends Error {}

/** Local-folder collections whose live version was not embedded with `modelId`. */
async function builtWithOtherModel(store: ObjectStore, modelId: string): Promise<string[]> {
  const stale: string[] = [];
  for (const name of await listPublishedCollections(store)) {
    // A collection whose live version cannot be read is left alone here: the server reports it in heartbeat.
    const pointer = await readPointer(store, name).catch(() => undefined);
    const manifest = pointer && (await readManifest(store, name, pointer).catch(() => undefined));
    if (manifest?.source.type === "local" && manifest.model?.id !== modelId) stale.push(name);
  }
  return stale;
}

/** A port free on `host` now: what `--port 0` becomes when the OAuth endpoint's URL must be known up front. */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Fails with what to do when `port` cannot be bound on `host` (0 picks a free port: nothing to check). */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") return reject(error);
      reject(
        new PortInUseError(
          `port ${port} on ${host} is already in use (another thoth dev?). Stop it, or start on another port: ` +
            `PORT=${port + 1} npm start`,
        ),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * `thoth dev`: index the sample handbook on first run, then serve every collection of the data dir through
 * the Lambda handler on a loopback port.
 */
export async function runDev(options: {
  port: number;
  host: string;
  log: (line: string) => void;
  /** Also serve the OAuth endpoint, signing people in at a local OpenID provider on this port (0: any). */
  oauthPort?: number;
  /** Processes that answer on the port (default 1), each holding the collections: see dev-workers.ts. */
  workers?: number;
}): Promise<{ url: string; close(): Promise<void> }> {
  const env = parseRuntimeEnv(process.env);
  // Before indexing or loading anything: a port in use should cost a second, not a minute.
  await assertPortFree(options.port, options.host);
  // The OAuth endpoint's URL is the tokens' audience, so its port is fixed before the provider starts.
  const workers = options.workers ?? 1;
  // With workers, too: each listens on the port the primary names.
  const port =
    (options.oauthPort !== undefined || workers > 1) && options.port === 0
      ? await freePort(options.host)
      : options.port;
  const { key, generated } = await localApiKey(env.THOTH_DATA_DIR);
  const store = (await createRuntime(env)).store;
  if (!(await listPublishedCollections(store)).length) {
    options.log(
      `First run: indexing the sample handbook (${SAMPLE_HANDBOOK}) into collection "${SAMPLE_COLLECTION}"…`,
    );
    const summary = await indexFolder({
      folder: SAMPLE_HANDBOOK,
      collection: SAMPLE_COLLECTION,
      env,
      progress: stderrProgress(),
    });
    options.log(describeSummary(summary));
  } else if (env.THOTH_MODEL_DIR) {
    // Switching models needs no rm: local collections built with another model (or none) are re-embedded.
    const stale = await builtWithOtherModel(store, env.THOTH_EMBEDDING_MODEL);
    if (stale.length) {
      options.log(
        `Re-embedding ${stale.join(", ")} with ${env.THOTH_EMBEDDING_MODEL} (built with another model or none)…`,
      );
      const outcomes = await refreshLocally({ env, only: stale, progress: stderrProgress() });
      options.log(describeOutcomes(outcomes));
    }
  }
  // Opened before listening, so the first client request does not pay for loading the bundles. The whole
  // setting (several keys, allowlists) goes to the server; the snippets get one usable key.
  let issuer: LocalIssuer | undefined;
  if (options.oauthPort !== undefined) {
    const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    issuer = await startLocalIssuer({
      port: options.oauthPort,
      host: options.host,
      resources: origins.map((o) => `${o}${OAUTH_MCP_PATH}`),
    });
  }
  const appEnv = {
    ...process.env,
    [ENV.THOTH_API_KEY]: process.env[ENV.THOTH_API_KEY]?.trim() || key,
    ...(issuer ? { [ENV.THOTH_OAUTH]: JSON.stringify(issuer.settings) } : {}),
  };
  const server =
    workers > 1
      ? await startDevWorkers(workers, { port, host: options.host }, appEnv)
      : await serveApp(appEnv, port, options.host);
  const url = `${server.url}${MCP_PATH}`;
  options.log(`Thoth MCP server listening on ${url}${workers > 1 ? ` (${workers} worker processes)` : ""}`);
  if (server.modelId && isTestModel(server.modelId)) options.log(`Note: ${testModelNotice(server.modelId)}.`);
  options.log(
    generated
      ? `API key (generated, kept in ${join(env.THOTH_DATA_DIR, "local-api-key")}): ${key}`
      : `API key: from ${process.env[ENV.THOTH_API_KEY] ? ENV.THOTH_API_KEY : join(env.THOTH_DATA_DIR, "local-api-key")}`,
  );
  options.log(
    `Claude Desktop (claude_desktop_config.json):\n${clientConfig("claude", { url, apiKey: key })}`,
  );
  options.log(`Claude Code:\n  ${clientConfig("claude-code", { url, apiKey: key })}`);
  options.log(
    `Other clients: npx thoth client-config --local --client <vscode|cursor|claude-code|inspector>`,
  );
  if (issuer) {
    const users = Object.entries(LOCAL_USERS)
      .map(
        ([name, u]) =>
          `${name} / ${u.password} (${u.groups.length ? `groups: ${u.groups.join(", ")}` : "no groups: refused"})`,
      )
      .join("; ");
    options.log(`OAuth endpoint: ${server.url}${OAUTH_MCP_PATH}`);
    options.log(`  local OpenID provider ${issuer.issuer}; test users ${users}`);
    options.log(
      `  MCP Inspector: npx @modelcontextprotocol/inspector, Streamable HTTP, URL above, Authentication → OAuth client id ${INSPECTOR_CLIENT_ID}; other clients register themselves`,
    );
  }
  // Where `thoth client-config --local` finds the running server.
  const record = join(env.THOTH_DATA_DIR, DEV_SERVER_FILE);
  await writeFile(record, `${JSON.stringify({ url, pid: process.pid })}\n`);
  return {
    ...server,
    close: async () => {
      await rm(record, { force: true });
      await server.close();
      await issuer?.close();
    },
  };
}

/** Written by a running `thoth dev` in its data dir: its MCP URL. */
export const DEV_SERVER_FILE = "dev-server.json";

/**
 * A client configuration for the local server: the URL of the `thoth dev` running on this data dir (else the
 * default port's), and the local key (THOTH_API_KEY, else the one `thoth dev` generated).
 */
export async function localClientConfig(client: ClientKind): Promise<{ config: string; notes: string[] }> {
  const env = parseRuntimeEnv(process.env);
  const notes: string[] = [];
  const running = await readFile(join(env.THOTH_DATA_DIR, DEV_SERVER_FILE), "utf8")
    .then((text) => JSON.parse(text) as { url: string; pid: number })
    .then((r) => (isAlive(r.pid) ? r.url : undefined))
    .catch(() => undefined);
  const url = running ?? `http://127.0.0.1:${env.PORT ?? DEFAULT_PORT}${MCP_PATH}`;
  if (!running)
    notes.push(`no thoth dev is running on ${env.THOTH_DATA_DIR}; the configuration points at ${url}`);
  const key = await readLocalApiKey(env.THOTH_DATA_DIR);
  if (!key) {
    throw new Error(
      `there is no local API key yet: run npm start once (it generates one in ${env.THOTH_DATA_DIR}), or set ${ENV.THOTH_API_KEY}`,
    );
  }
  return { config: clientConfig(client, { url, apiKey: key }), notes };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
