/**
 * API Gateway HTTP API events (payload format 2.0) as web Requests, and web Responses as its results: the
 * Lambda handler's only contact with API Gateway's shapes (the local server builds the same events).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

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
  // API Gateway is reached over HTTPS only and says so in X-Forwarded-Proto; the local server says http. The
  // scheme matters where the server names its own URL (OAuth metadata and challenges).
  const scheme = headers.get("x-forwarded-proto") === "http" ? "http" : "https";
  return new Request(`${scheme}://${host}${event.rawPath}${query}`, { method, headers, body });
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
