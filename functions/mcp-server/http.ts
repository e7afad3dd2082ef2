/**
 * All HTTP and transport wiring of the MCP server: API Gateway v2 events ⇄ web Requests/Responses, method and
 * path rules, authentication, and one stateless Streamable HTTP transport per request.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { MCP_PATH } from "../../shared/names.js";
import { logger } from "../lib/logger.js";

export interface McpHttpDeps {
  createServer: () => McpServer;
  authenticate: (headers: Headers) => Promise<boolean>;
  /** Runs after authentication, before the request is served (e.g. to pick up a new bundle version). */
  beforeRequest?: () => Promise<void>;
}

/** JSON-RPC error codes used outside the SDK's own handling. */
export const RPC_ERRORS = {
  unauthorized: -32001,
  notFound: -32004,
  methodNotAllowed: -32005,
  internal: -32603,
} as const;

export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
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
  try {
    if (!(await deps.authenticate(request.headers))) {
      return jsonRpcError(
        401,
        RPC_ERRORS.unauthorized,
        "missing or invalid API key; send Authorization: Bearer <key> or x-api-key",
        {
          "www-authenticate": 'Bearer realm="thoth"',
        },
      );
    }
    await deps.beforeRequest?.();
    const server = deps.createServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    try {
      await server.connect(transport);
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  } catch (error) {
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
