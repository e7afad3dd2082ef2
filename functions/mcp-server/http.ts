/**
 * All HTTP and transport wiring of the MCP server: API Gateway v2 events ⇄ web Requests/Responses, method,
 * path, size and authentication rules, and one stateless Streamable HTTP transport per request.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { MCP_PATH } from "../../shared/names.js";
import { DependencyUnavailableError } from "../core/errors.js";
import { logger } from "../lib/logger.js";
import type { Principal } from "./auth.js";

/** Bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface McpHttpDeps {
  createServer: (principal: Principal) => McpServer;
  authenticate: (headers: Headers) => Promise<Principal | undefined>;
  /** The tools the server has, so a call to any other is answered with a protocol error. */
  toolNames: ReadonlySet<string>;
  /** Runs after authentication, before the request is served (e.g. to pick up a new bundle version). */
  beforeRequest?: () => Promise<void>;
}

/** JSON-RPC error codes used outside the SDK's own handling. */
export const RPC_ERRORS = {
  parse: -32700,
  invalidParams: -32602,
  internal: -32603,
  unauthorized: -32001,
  notFound: -32004,
  methodNotAllowed: -32005,
  tooLarge: -32006,
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

const tooLarge = () =>
  jsonRpcError(
    413,
    RPC_ERRORS.tooLarge,
    `request body larger than ${MAX_BODY_BYTES} bytes; send smaller messages`,
  );

/** A call to a tool the server does not have: a protocol error (the SDK would answer a tool error). */
function unknownToolCall(message: unknown, tools: ReadonlySet<string>): Response | undefined {
  if (!message || typeof message !== "object" || Array.isArray(message)) return undefined;
  const { method, params, id } = message as { method?: unknown; params?: { name?: unknown }; id?: unknown };
  if (method !== "tools/call" || typeof params?.name !== "string" || tools.has(params.name)) return undefined;
  const name = params.name.length > 80 ? `${params.name.slice(0, 80)}…` : params.name;
  return jsonRpcError(
    200,
    RPC_ERRORS.invalidParams,
    `unknown tool "${name}"; call tools/list for the available tools`,
    {},
    typeof id === "string" || typeof id === "number" ? id : null,
  );
}

/** Answers one HTTP request to the MCP endpoint. Never throws: faults become a generic 500. */
export async function handleMcpRequest(request: Request, deps: McpHttpDeps): Promise<Response> {
  const path = new URL(request.url).pathname;
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
    if (!principal) {
      return jsonRpcError(
        401,
        RPC_ERRORS.unauthorized,
        "missing or invalid API key; send Authorization: Bearer <key> or x-api-key",
        { "www-authenticate": 'Bearer realm="thoth"' },
      );
    }
    const raw = new Uint8Array(await request.arrayBuffer());
    if (raw.byteLength > MAX_BODY_BYTES) return tooLarge();
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return jsonRpcError(400, RPC_ERRORS.parse, "parse error: the body is not valid JSON");
    }
    const unknownTool = unknownToolCall(parsed, deps.toolNames);
    if (unknownTool) return unknownTool;
    await deps.beforeRequest?.();
    const server = deps.createServer(principal);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      return await transport.handleRequest(request, { parsedBody: parsed });
    } finally {
      await server.close();
    }
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

/** An API Gateway HTTP API (payload format 2.0) event as a web Request. */
export function eventToRequest(event: APIGatewayProxyEventV2): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name, value);
  }
  if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
  const host = event.headers?.host ?? event.requestContext.domainName ?? "localhost";
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
