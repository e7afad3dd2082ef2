/**
 * All HTTP and transport wiring of the MCP server: API Gateway v2 events ⇄ web Requests/Responses, method,
 * path, size and authentication rules, and one stateless Streamable HTTP transport per request.
 *
 * Over 300 lines on purpose: the design keeps every transport rule in this one module (DESIGN.md), and the
 * rules are checked in a fixed order (path, method, Origin, size, auth, parse, transport checks, batches,
 * unknown tools, answer size and error convention) that reads best in one place.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { MCP_PATH } from "../../shared/names.js";
import { DependencyUnavailableError } from "../core/errors.js";
import { logger } from "../lib/logger.js";
import type { Principal } from "./auth.js";
import { unknownToolError } from "./sdk-overrides.js";

/** Bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Messages in one JSON-RPC batch (protocol versions before 2025-06-18 only); each may be a search. */
export const MAX_BATCH = 10;
/** Lambda answers at most 6 MB through API Gateway; a larger answer is replaced by a clear error. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** The first protocol version without JSON-RPC batching. */
const NO_BATCH_VERSION = "2025-06-18";

export interface McpHttpDeps {
  createServer: (principal: Principal) => McpServer;
  authenticate: (headers: Headers) => Promise<Principal | undefined>;
  /** The tools the server has, so a call to any other is answered with a protocol error. */
  toolNames: ReadonlySet<string>;
  /** Runs after authentication, before the request is served (e.g. to pick up a new bundle version). */
  beforeRequest?: () => Promise<void>;
  /**
   * Browser origins allowed to call (the stack's corsOrigins). When set, a request whose Origin is not listed
   * gets 403, as the MCP spec requires; requests without Origin (non-browser clients) pass. Unset locally,
   * where the dev server allows loopback origins only.
   */
  allowedOrigins?: readonly string[];
  /** The largest answer sent (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

/** JSON-RPC error codes used outside the SDK's own handling. */
export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  invalidParams: -32602,
  internal: -32603,
  unauthorized: -32001,
  notFound: -32004,
  methodNotAllowed: -32005,
  tooLarge: -32006,
  forbidden: -32007,
  /** MCP's "resource not found". */
  resourceNotFound: -32002,
} as const;

export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The answer to a request without a valid key (also sent by the local server before it reads a body). */
export const unauthorized = () =>
  jsonRpcError(
    401,
    RPC_ERRORS.unauthorized,
    "missing or invalid API key; send Authorization: Bearer <key> or x-api-key",
    { "www-authenticate": 'Bearer realm="thoth"' },
  );

const tooLarge = () =>
  jsonRpcError(
    413,
    RPC_ERRORS.tooLarge,
    `request body larger than ${MAX_BODY_BYTES} bytes; send smaller messages`,
  );

type RpcId = string | number;
const isRpcId = (id: unknown): id is RpcId => typeof id === "string" || typeof id === "number";

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });

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
  if (version && !initializing && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return jsonRpcError(
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version.slice(0, 40)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`,
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

interface RpcErrorObject {
  code: number;
  message: string;
}

/**
 * One error convention for every method, whatever part of the SDK raised it: invalid params are -32602 with a
 * short sentence (not a zod dump, not "internal error"); any missing resource is -32002; messages carry no
 * "MCP error <code>:" prefix (clients add their own, which doubled it).
 */
export function normalizeRpcError(error: RpcErrorObject, method: unknown): RpcErrorObject {
  const message = error.message.replace(/^(MCP error -?\d+: )+/, "");
  if (message.startsWith("[")) {
    try {
      const [issue] = JSON.parse(message) as { path?: (string | number)[]; message?: string }[];
      if (issue?.message) {
        const where = (issue.path ?? []).join(".");
        return {
          code: RPC_ERRORS.invalidParams,
          message: `invalid params${where ? ` (${where})` : ""}: ${issue.message}`,
        };
      }
    } catch {
      // not a zod dump after all
    }
  }
  if (method === "resources/read" && /^Invalid URL/.test(message)) {
    return {
      code: RPC_ERRORS.invalidParams,
      message: "invalid params (params.uri): not a valid URI; resources are thoth://<collection>/<doc-id>",
    };
  }
  if (method === "resources/read" && /^Resource .* not found$/.test(message)) {
    return {
      code: RPC_ERRORS.resourceNotFound,
      message: `resource not found: ${message.slice("Resource ".length, -" not found".length).slice(0, 200)}; resources are thoth://<collection>/<doc-id>`,
    };
  }
  return { code: error.code, message };
}

function normalizeErrors(body: unknown, methods: Map<unknown, unknown>): unknown {
  const fix = (answer: unknown) => {
    const a = answer as { id?: unknown; error?: RpcErrorObject } | null;
    return a?.error ? { ...a, error: normalizeRpcError(a.error, methods.get(a.id)) } : answer;
  };
  return Array.isArray(body) ? body.map(fix) : fix(body);
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
      body = JSON.stringify(normalizeErrors(JSON.parse(body), methods));
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
  return json(ids.length > 1 ? ids.map(error) : error(ids[0] ?? null));
}

/** Answers one HTTP request to the MCP endpoint. Never throws: faults become a generic 500. */
export async function handleMcpRequest(request: Request, deps: McpHttpDeps): Promise<Response> {
  const path = new URL(request.url).pathname;
  const origin = request.headers.get("origin");
  if (origin !== null && deps.allowedOrigins && !deps.allowedOrigins.includes(origin)) {
    return jsonRpcError(403, RPC_ERRORS.forbidden, "forbidden: this origin may not call the server");
  }
  if (!path.endsWith(MCP_PATH)) {
    return jsonRpcError(404, RPC_ERRORS.notFound, `not found; the MCP endpoint is ${MCP_PATH}`);
  }
  if (request.method !== "POST") {
    // Stateless server: no SSE stream to GET and no session to DELETE.
    return jsonRpcError(405, RPC_ERRORS.methodNotAllowed, "method not allowed; send MCP messages with POST", {
      allow: "POST",
    });
  }
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return tooLarge();
  try {
    const principal = await deps.authenticate(request.headers);
    if (!principal) return unauthorized();
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
    if (!forwarded.length) return json(Array.isArray(parsed) ? unknownTools : unknownTools[0]);
    await deps.beforeRequest?.();
    const server = deps.createServer(principal);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    let response: Response;
    try {
      await server.connect(transport);
      response = await transport.handleRequest(request, {
        parsedBody: Array.isArray(parsed) ? forwarded : parsed,
      });
    } finally {
      await server.close();
    }
    if (unknownTools.length) {
      // A batch with calls to unknown tools: their protocol errors join the transport's answers.
      const answered = response.status === 200 ? ((await response.json()) as unknown) : [];
      response = json([...(Array.isArray(answered) ? answered : [answered]), ...unknownTools]);
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

/** A request refused before it becomes a web Request; `status` is 400 or 405. */
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 405 = 400,
  ) {
    super(message);
    this.name = "BadRequestError";
  }
}

/** Methods a web Request can carry (fetch forbids CONNECT, TRACE and TRACK). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * A Host header parsed strictly: a DNS name or IPv4 address, or a bracketed IPv6 address, then an optional
 * port. Anything else (`localhost:abc`, `127.0.0.1:80@evil.com`) is undefined.
 */
export function parseHost(value: string): { hostname: string; port?: number } | undefined {
  const m = /^([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(?::(\d{1,5}))?$/i.exec(value);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return port === undefined ? { hostname: m[1]!.toLowerCase() } : { hostname: m[1]!.toLowerCase(), port };
}

/** An API Gateway HTTP API (payload format 2.0) event as a web Request; a BadRequestError when it cannot be. */
export function eventToRequest(event: APIGatewayProxyEventV2): Request {
  const requestMethod = event.requestContext.http.method.toUpperCase();
  if (!METHODS.has(requestMethod))
    throw new BadRequestError(
      `method ${requestMethod.slice(0, 20)} not allowed; send MCP messages with POST`,
      405,
    );
  const hostHeader = event.headers?.host ?? event.requestContext.domainName ?? "localhost";
  if (!parseHost(hostHeader)) throw new BadRequestError("bad request: malformed Host header");
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  const host = hostHeader;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : "";
  const method = event.requestContext.http.method.toUpperCase();
  const body =
    event.body === undefined || method === "GET" || method === "HEAD"
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, "base64")
        : event.body;
  return new Request(`https://${host}${event.rawPath}${query}`, { method, headers, body });
}

/** A web Response as an API Gateway v2 structured result. */
export async function responseToResult(response: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const body = await response.text();
  return {
    statusCode: response.status,
    headers,
    body,
    isBase64Encoded: false,
    ...(cookies.length ? { cookies } : {}),
  };
}
