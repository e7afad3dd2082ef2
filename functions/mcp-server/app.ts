import { ENV, parseRuntimeEnv } from "../../shared/config.js";
import { parseOAuthSettings } from "../../shared/oauth-settings.js";
import { VECTORS_LOADING } from "../core/collection-registry.js";
import { STILL_LOADING } from "../core/ranged-version.js";
import { KnowledgeBase } from "../core/knowledge-base.js";
import { logger } from "../lib/logger.js";
import { createServerRuntime } from "../composition.js";
import { ApiKeyAuthenticator, type Principal } from "./auth.js";
import { OAuthResourceServer } from "./oauth/resource-server.js";
import { handleMcpRequest, type McpHttpDeps } from "./http.js";
import type { ServerInfo } from "./deps.js";
import { createMcpServer } from "./server.js";
import { serverInfo } from "./server-info.js";
import { TOOL_NAMES } from "./tools/index.js";

export interface McpApp {
  kb: KnowledgeBase;
  info: ServerInfo;
  handle(request: Request): Promise<Response>;
  /** The key check `handle` makes, for a front that wants it before reading a body (the local server). */
  authenticate(headers: Headers): Promise<Principal | undefined>;
}

/** How long a hybrid search on Lambda waits for a vector index still loading: API Gateway gives up at 29 s. */
export const LAMBDA_HYBRID_WAIT_MS = 20_000;

/** How long a hybrid search waits for a vector index still loading: on Lambda (its runtime sets the name), not elsewhere. */
export function hybridWaitMs(processEnv: NodeJS.ProcessEnv): number {
  return processEnv.AWS_LAMBDA_FUNCTION_NAME ? LAMBDA_HYBRID_WAIT_MS : 0;
}

/** Tools that read only what a collection on its first load answers from by range (or nothing of it). */
const RANGED_TOOLS: ReadonlySet<string> = new Set(["search_documents", "search", "heartbeat"]);
/** Methods that read nothing of the collections. */
const NO_COLLECTIONS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "tools/list",
  "prompts/list",
  "resources/templates/list",
  "logging/setLevel",
]);

/**
 * Whether a JSON-RPC message reads what only a whole version has (documents, listings, completions): it then
 * waits for collections still loading. Searches and heartbeat do not (a search that needs the whole version,
 * say with a filter, waits by itself); anything not known to be safe waits.
 */
export function readsWholeVersions(message: unknown): boolean {
  const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } };
  if (typeof method !== "string" || method.startsWith("notifications/") || NO_COLLECTIONS.has(method))
    return false;
  return !(method === "tools/call" && RANGED_TOOLS.has(String(params?.name)));
}

/**
 * What runs before a request is served: a message that reads more of a collection than a search does waits for
 * collections still on their first load; then the pointers are checked (hot swap). Never fails a request: a
 * version that cannot be loaded is reported by heartbeat instead.
 */
export function beforeRequest(kb: KnowledgeBase): (messages: readonly unknown[]) => Promise<void> {
  return async (messages) => {
    if (messages.some(readsWholeVersions)) await kb.loaded();
    await kb
      .checkForNewVersions()
      .catch((error: unknown) => logger.warn("pointer check failed", { error: error as Error }));
  };
}

/** Builds everything a cold start needs once: adapters, model, the loaded bundles, the authenticator. */
export async function openMcpApp(processEnv: NodeJS.ProcessEnv = process.env): Promise<McpApp> {
  const env = parseRuntimeEnv(processEnv);
  // Malformed OAuth settings stop the cold start (clients get 503), before anything is loaded.
  const oauth = env.THOTH_OAUTH
    ? new OAuthResourceServer(parseOAuthSettings(env.THOTH_OAUTH, ENV.THOTH_OAUTH))
    : undefined;
  // The model loads while the collections' keyword indexes do.
  const runtime = await createServerRuntime(env, processEnv);
  // A collection answers as soon as its keyword index is in; its vector index loads behind (heartbeat says so).
  // On Lambda a function is frozen between requests, so a load moves only while one runs: hybrid searches wait
  // for it (within API Gateway's 29 s) rather than leave it stalled. A local server keeps loading on its own.
  // A collection answers its first keyword searches from byte ranges of its version while the files come in,
  // and keyword searches do not wait for the model.
  const kb = await KnowledgeBase.open({
    ...runtime,
    vectors: "background",
    firstAnswers: "ranges",
    modelWait: "background",
    hybridWaitMs: hybridWaitMs(processEnv),
  });
  const opened = new Set(kb.collectionNames());
  const stillLoading = kb.listCollections().filter((c) => !opened.has(c.name));
  for (const line of kb.degradationDetails()) {
    if (!line.endsWith(VECTORS_LOADING) && !line.endsWith(STILL_LOADING))
      logger.warn("degraded", { detail: line });
  }
  const logVectors = (names: string[]) => {
    for (const name of names) {
      const collection = kb.collection(name);
      void collection.vectorsLoading?.then(() =>
        collection.vectors
          ? logger.info("vector index loaded", {
              collection: name,
              vectorsMs: collection.loadTimings.vectorsMs,
            })
          : logger.warn("degraded", { detail: `${name}: ${collection.semanticUnavailable}` }),
      );
    }
  };
  const vectorsLoading = [...opened].filter((name) => kb.collection(name).vectorsLoading);
  logger.info("knowledge base opened", {
    collections: kb.loadTimings(),
    vectorsLoading,
    answeringByRange: stillLoading.map((c) => c.name),
  });
  logVectors(vectorsLoading);
  if (stillLoading.length)
    void kb.loaded().then(() => {
      const names = kb.collectionNames().filter((name) => !opened.has(name));
      logger.info("collections loaded", { collections: kb.loadTimings() });
      logVectors(names.filter((name) => kb.collection(name).vectorsLoading));
      for (const f of kb.failures()) logger.warn("degraded", { detail: `${f.collection}: ${f.reason}` });
    });
  const info = serverInfo(env);
  const auth = new ApiKeyAuthenticator(runtime.secrets);
  const authenticate = (headers: Headers) => auth.authenticate(headers);
  const deps: McpHttpDeps = {
    createServer: (principal, methods) =>
      createMcpServer(
        { kb: kb.forScope(principal.scope), info, cacheTtlMs: runtime.pointerCheckSeconds * 1000 },
        methods,
      ),
    toolNames: TOOL_NAMES,
    ...(env.THOTH_ALLOWED_ORIGINS ? { allowedOrigins: env.THOTH_ALLOWED_ORIGINS } : {}),
    authenticate,
    ...(oauth ? { oauth } : {}),
    beforeRequest: beforeRequest(kb),
  };
  return { kb, info, authenticate, handle: (request) => handleMcpRequest(request, deps) };
}
