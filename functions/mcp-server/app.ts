import { ENV, parseRuntimeEnv } from "../../shared/config.js";
import { parseOAuthSettings } from "../../shared/oauth-settings.js";
import { VECTORS_LOADING } from "../core/collection-registry.js";
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
  const kb = await KnowledgeBase.open({
    ...runtime,
    vectors: "background",
    hybridWaitMs: hybridWaitMs(processEnv),
  });
  const loading = kb.collectionNames().filter((name) => kb.collection(name).vectorsLoading);
  for (const line of kb.degradationDetails()) {
    if (!line.endsWith(VECTORS_LOADING)) logger.warn("degraded", { detail: line });
  }
  logger.info("knowledge base opened", { collections: kb.loadTimings(), vectorsLoading: loading });
  for (const name of loading) {
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
    // Never fails a request: a version that cannot be loaded is reported by heartbeat instead.
    beforeRequest: () =>
      kb
        .checkForNewVersions()
        .catch((error: unknown) => logger.warn("pointer check failed", { error: error as Error })),
  };
  return { kb, info, authenticate, handle: (request) => handleMcpRequest(request, deps) };
}
