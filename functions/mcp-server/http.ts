/**
 * The MCP endpoint's HTTP rules: one ordered list of checks (path, method, Origin, size, auth, parse, message
 * shape, transport checks, batches, unknown tools), then the SDK's handler for both protocol eras, then the
 * answer's size and error convention. Each rule answers a Response or passes; the order is the contract, so it
 * reads in one place. API Gateway's shapes are api-gateway.ts; JSON-RPC errors json-rpc.ts.
 *
 * Two legs, both from the v2 SDK (@modelcontextprotocol/server), chosen by its own `isLegacyRequest`: a
 * 2026-07-28 request (its `_meta` envelope and Mcp-Method/Mcp-Name headers) goes to `createMcpHandler`, which
 * applies the 2026 rules; any other (initialize, 2024-11-05 to 2025-11-25) to a stateless Streamable HTTP
 * transport answering JSON, as the SDK's own 2025 fallback does but without its event stream, so that every
 * answer is one JSON body this module can bound. Both get a fresh McpServer for the caller's key.
 */
import {
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  isLegacyRequest,
  type AuthInfo,
  type McpServer,
} from "@modelcontextprotocol/server";
import { MCP_PATH, OAUTH_MCP_PATH } from "../../shared/names.js";
import { DependencyUnavailableError } from "../core/errors.js";
import { logger } from "../lib/logger.js";
import type { Principal } from "./auth.js";
import { RPC_ERRORS, jsonResponse, jsonRpcError, normalizeErrors, unauthorized } from "./json-rpc.js";
import { unknownToolError } from "./sdk-overrides.js";
import { wellKnownResponse } from "./oauth/discovery.js";
import type { OAuthResourceServer } from "./oauth/resource-server.js";

/** Bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Messages in one JSON-RPC batch (protocol versions before 2025-06-18 only); each may be a search. */
export const MAX_BATCH = 10;
/** Lambda answers at most 6 MB through API Gateway; a larger answer is replaced by a clear error. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** The first protocol version without JSON-RPC batching. */
const NO_BATCH_VERSION = "2025-06-18";
/** Revisions served by the SDK's per-request (2026) rules; it checks their headers and `_meta` itself. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = ["2026-07-28"];
const KNOWN_VERSIONS = [...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS];

export interface McpHttpDeps {
  /** A server for one request: the caller, and the methods the request's messages call (to build no more). */
  createServer: (principal: Principal, methods: readonly string[]) => McpServer;
  /** The API-key check of MCP_PATH. */
  authenticate: (headers: Headers) => Promise<Principal | undefined>;
  /** The OAuth endpoint (OAUTH_MCP_PATH) and its discovery documents; absent when THOTH_OAUTH is unset. */
  oauth?: OAuthResourceServer;
  /** The tools the server has, so a call to any other is answered with a protocol error. */
  toolNames: ReadonlySet<string>;
  /**
   * Runs after authentication, before the request's messages (`messages`, parsed) are served: e.g. to pick up a
   * new bundle version, or to wait for collections still loading when a message reads more than a search does.
   */
  beforeRequest?: (messages: readonly unknown[]) => Promise<void>;
  /**
   * Browser origins allowed to call (the stack's corsOrigins). When set, a request whose Origin is not listed
   * gets 403, as the MCP spec requires; requests without Origin (non-browser clients) pass. Unset locally,
   * where the dev server allows loopback origins only.
   */
  allowedOrigins?: readonly string[];
  /** The largest answer sent (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

const tooLarge = () =>
  jsonRpcError(
    413,
    RPC_ERRORS.tooLarge,
    `request body larger than ${MAX_BODY_BYTES} bytes; send smaller messages`,
  );

type RpcId = string | number;
const isRpcId = (id: unknown): id is RpcId => typeof id === "string" || typeof id === "number";

/**
 * The transport's own checks, done before anything answers in its place: Accept (406), Content-Type (415),
 * and a supported MCP-Protocol-Version on every message but initialize (400).
 */
function transportRejection(request: Request, messages: unknown[]): Response | undefined {
  const accept = request.headers.get("accept") ?? "";
  if (!accept.includes("application/json") || !accept.includes("text/event-stream")) {
    return jsonRpcError(
      406,
      -32000,
      "Not Acceptable: Client must accept both application/json and text/event-stream",
    );
  }
  if (!(request.headers.get("content-type") ?? "").includes("application/json")) {
    return jsonRpcError(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
  }
  const version = request.headers.get("mcp-protocol-version");
  const initializing = messages.some((m) => (m as { method?: unknown } | null)?.method === "initialize");
  // A request with a 2026 `_meta` envelope is the SDK's to judge: it answers a version it does not serve with
  // -32022 and the versions it does, as 2026-07-28 asks.
  const enveloped = messages.some(
    (m) =>
      (m as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta?.[
        PROTOCOL_VERSION_META_KEY
      ],
  );
  if (version && !initializing && !enveloped && !KNOWN_VERSIONS.includes(version)) {
    return jsonRpcError(
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version.slice(0, 40)} (supported versions: ${KNOWN_VERSIONS.join(", ")})`,
    );
  }
  return undefined;
}

/**
 * Every message must be a JSON object: `null`, a number, a string, `true` or a nested array is valid JSON but
 * no JSON-RPC message (the SDK and our own checks read `.id` and `.method` from each).
 */
function shapeRejection(parsed: unknown): Response | undefined {
  const isMessage = (m: unknown) => typeof m === "object" && m !== null && !Array.isArray(m);
  if (!Array.isArray(parsed)) {
    return isMessage(parsed)
      ? undefined
      : jsonRpcError(400, RPC_ERRORS.invalidRequest, "invalid request: the body must be a JSON-RPC object");
  }
  const bad = parsed.findIndex((m) => !isMessage(m));
  return bad < 0
    ? undefined
    : jsonRpcError(
        400,
        RPC_ERRORS.invalidRequest,
        `invalid request: batch element ${bad} is not a JSON-RPC object`,
      );
}

/** Batches: none from 2025-06-18 on (the spec dropped them), at most MAX_BATCH before. */
function batchRejection(request: Request, parsed: unknown): Response | undefined {
  if (!Array.isArray(parsed)) return undefined;
  const version = request.headers.get("mcp-protocol-version");
  if (version && version >= NO_BATCH_VERSION) {
    return jsonRpcError(
      400,
      RPC_ERRORS.invalidRequest,
      `JSON-RPC batches are not supported in protocol version ${version.slice(0, 40)}; send one message per request`,
    );
  }
  if (parsed.length > MAX_BATCH) {
    return jsonRpcError(
      400,
      RPC_ERRORS.invalidRequest,
      `a batch may hold at most ${MAX_BATCH} messages; it held ${parsed.length}`,
    );
  }
  if (!parsed.length)
    return jsonRpcError(400, RPC_ERRORS.invalidRequest, "an empty batch is not a JSON-RPC request");
  return undefined;
}

/**
 * Finishes a JSON answer: errors in one convention, and an answer too large for Lambda replaced by an error per
 * request id, so the client learns why.
 */
async function boundedResponse(response: Response, messages: unknown[], limit: number): Promise<Response> {
  if (!(response.headers.get("content-type") ?? "").includes("application/json")) return response;
  let body = await response.text();
  if (body.includes('"error"')) {
    const methods = new Map(
      messages.map((m) => [(m as { id?: unknown }).id, (m as { method?: unknown }).method]),
    );
    try {
      const normalized = normalizeErrors(JSON.parse(body), methods);
      body = JSON.stringify(normalized);
      // Errors inside a 200 (a method the era lacks, a missing resource): logged here, once.
      if (response.status === 200) logRefusal(200, normalized);
    } catch {
      // leave an answer we cannot parse as it is
    }
  }
  const bytes = Buffer.byteLength(body);
  if (bytes <= limit) return new Response(body, { status: response.status, headers: response.headers });
  logger.warn("response over the size limit replaced by an error", { bytes });
  const ids = messages.flatMap((m) => {
    const id = (m as { id?: unknown } | null)?.id;
    return isRpcId(id) ? [id] : [];
  });
  const error = (id: RpcId | null) => ({
    jsonrpc: "2.0",
    error: {
      code: RPC_ERRORS.internal,
      message: `the answer would be ${bytes} bytes, over the ${limit}-byte limit; ask for fewer results, smaller pages, or one message at a time`,
    },
    id,
  });
  return jsonResponse(ids.length > 1 ? ids.map(error) : error(ids[0] ?? null));
}

type ModernHandler = ReturnType<typeof createMcpHandler>;
/** One 2026-07-28 handler per set of dependencies (a process has one); the principal travels in its authInfo. */
const modernHandlers = new WeakMap<McpHttpDeps, ModernHandler>();
function modernHandler(deps: McpHttpDeps): ModernHandler {
  let handler = modernHandlers.get(deps);
  if (!handler) {
    handler = createMcpHandler(
      (context) => deps.createServer(principalOf(context.authInfo), methodsOf(context.authInfo)),
      {
        legacy: "reject",
        // No server-to-client messages mid-call: one JSON answer per request, as API Gateway returns it.
        responseMode: "json",
        // Its refusals are answered with a 4xx, which handleMcpRequest logs.
        onerror: (error) => logger.debug("the MCP SDK refused a request", { reason: error.message }),
      },
    );
    modernHandlers.set(deps, handler);
  }
  return handler;
}

/** A 2025-era request: a fresh server on a stateless transport that answers one JSON body. */
async function serveLegacy(request: Request, server: McpServer, authInfo: AuthInfo, parsedBody: unknown) {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request, { authInfo, parsedBody });
  } finally {
    await server.close();
  }
}

const authInfoOf = (principal: Principal, methods: readonly string[]): AuthInfo => ({
  token: "",
  clientId: "api-key",
  scopes: [],
  extra: { principal, methods },
});
const methodsOf = (authInfo: AuthInfo | undefined): readonly string[] =>
  (authInfo?.extra?.["methods"] as readonly string[] | undefined) ?? [];
function principalOf(authInfo: AuthInfo | undefined): Principal {
  const principal = authInfo?.extra?.["principal"] as Principal | undefined;
  // Every request reaching the SDK was authenticated first; a factory call without one is a wiring fault.
  if (!principal) throw new Error("the MCP server factory was called without the caller's principal");
  return principal;
}

/**
 * Logs a refused request once: its HTTP status and the first JSON-RPC error (code and message, which never carry
 * a key). A missing key is routine (info); anything else a client got wrong is a warning.
 */
function logRefusal(status: number, body: unknown): void {
  const answers = (Array.isArray(body) ? body : [body]) as ({
    error?: { code?: unknown; message?: unknown };
  } | null)[];
  const errors = answers.flatMap((a) => (a?.error ? [a.error] : []));
  if (!errors.length) return;
  const fields = {
    status,
    code: errors[0]!.code,
    reason: String(errors[0]!.message ?? "").slice(0, 300),
    ...(errors.length > 1 ? { errors: errors.length } : {}),
  };
  if (status === 401) logger.info("request refused", fields);
  else logger.warn("request refused", fields);
}

/** Answers one HTTP request to the MCP endpoint. Never throws: faults become a generic 500. */
export async function handleMcpRequest(request: Request, deps: McpHttpDeps): Promise<Response> {
  const response = await answer(request, deps);
  // 4xx answers are logged here; errors inside a 200 by boundedResponse; a 5xx where it happened.
  if (response.status >= 400 && response.status < 500) {
    const text = await response.clone().text();
    try {
      logRefusal(response.status, JSON.parse(text));
    } catch {
      logRefusal(response.status, { error: { message: text } });
    }
  }
  return response;
}

/** Who is calling, by the route's rule: a key on MCP_PATH, an OAuth access token on OAUTH_MCP_PATH. */
async function authenticate(
  request: Request,
  deps: McpHttpDeps,
  oauthRoute: boolean,
): Promise<Principal | Response> {
  if (!oauthRoute) return (await deps.authenticate(request.headers)) ?? unauthorized();
  const outcome = await deps.oauth!.authenticate(request);
  if ("principal" in outcome) return outcome.principal;
  const { status, message, challenge } = outcome.refusal;
  const code =
    status === 503 ? RPC_ERRORS.internal : status === 401 ? RPC_ERRORS.unauthorized : RPC_ERRORS.forbidden;
  return jsonRpcError(status, code, message, {
    ...(challenge ? { "www-authenticate": challenge } : {}),
    ...(status === 503 ? { "retry-after": "5" } : {}),
  });
}

async function answer(request: Request, deps: McpHttpDeps): Promise<Response> {
  const path = new URL(request.url).pathname;
  // Discovery documents are public and readable from any origin.
  if (path.startsWith("/.well-known/")) return wellKnownResponse(request, deps.oauth);
  const origin = request.headers.get("origin");
  if (origin !== null && deps.allowedOrigins && !deps.allowedOrigins.includes(origin)) {
    return jsonRpcError(403, RPC_ERRORS.forbidden, "forbidden: this origin may not call the server");
  }
  const oauthRoute = path === OAUTH_MCP_PATH && deps.oauth !== undefined;
  if (!oauthRoute && !path.endsWith(MCP_PATH)) {
    const oauthHint = deps.oauth ? ` (OAuth clients: ${OAUTH_MCP_PATH})` : "";
    return jsonRpcError(404, RPC_ERRORS.notFound, `not found; the MCP endpoint is ${MCP_PATH}${oauthHint}`);
  }
  if (request.method !== "POST") {
    // Stateless server: no SSE stream to GET and no session to DELETE.
    return jsonRpcError(405, RPC_ERRORS.methodNotAllowed, "method not allowed; send MCP messages with POST", {
      allow: "POST",
    });
  }
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return tooLarge();
  try {
    const principal = await authenticate(request, deps, oauthRoute);
    if (principal instanceof Response) return principal;
    const raw = new Uint8Array(await request.arrayBuffer());
    if (raw.byteLength > MAX_BODY_BYTES) return tooLarge();
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return jsonRpcError(400, RPC_ERRORS.parse, "parse error: the body is not valid JSON");
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    const rejected =
      shapeRejection(parsed) ?? transportRejection(request, messages) ?? batchRejection(request, parsed);
    if (rejected) return rejected;
    const unknownTools = messages.flatMap((m) => unknownToolError(m, deps.toolNames) ?? []);
    const forwarded = messages.filter((m) => !unknownToolError(m, deps.toolNames));
    if (!forwarded.length) return jsonResponse(Array.isArray(parsed) ? unknownTools : unknownTools[0]);
    await deps.beforeRequest?.(forwarded);
    const parsedBody = Array.isArray(parsed) ? forwarded : parsed;
    const methods = forwarded.flatMap((m) => {
      const method = (m as { method?: unknown }).method;
      return typeof method === "string" ? [method] : [];
    });
    const authInfo = authInfoOf(principal, methods);
    let response = (await isLegacyRequest(request, parsedBody))
      ? await serveLegacy(request, deps.createServer(principal, methods), authInfo, parsedBody)
      : await modernHandler(deps).fetch(request, { authInfo, parsedBody });
    if (unknownTools.length) {
      // A batch with calls to unknown tools: their protocol errors join the transport's answers.
      const answered = response.status === 200 ? ((await response.json()) as unknown) : [];
      response = jsonResponse([...(Array.isArray(answered) ? answered : [answered]), ...unknownTools]);
    }
    return await boundedResponse(response, forwarded, deps.maxResponseBytes ?? MAX_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof DependencyUnavailableError) {
      logger.error("dependency unavailable", { error: error as Error });
      return jsonRpcError(
        503,
        RPC_ERRORS.internal,
        "the server cannot reach a service it depends on; try again shortly",
        {
          "retry-after": "5",
        },
      );
    }
    logger.error("request failed", { error: error as Error });
    return jsonRpcError(500, RPC_ERRORS.internal, "internal server error");
  }
}
