/**
 * A small node:http front for the Lambda handler: each request becomes an API Gateway v2 event, so local mode
 * runs exactly the code Lambda runs. Loopback only; foreign Host/Origin headers get 403 (DNS rebinding).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { McpLambdaHandler } from "../functions/mcp-server/handler.js";
import { logger } from "../functions/lib/logger.js";
import { MAX_BODY_BYTES } from "../functions/mcp-server/http.js";
import { unauthorized } from "../functions/mcp-server/json-rpc.js";
import { parseHost } from "../functions/mcp-server/api-gateway.js";
import { MCP_PATH } from "../shared/names.js";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export interface DevServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** True when Host (parsed strictly) and Origin, if sent, name this machine's loopback. */
export function isLocalRequest(host: string | undefined, origin: string | undefined): boolean {
  const parsed = host === undefined ? undefined : parseHost(host);
  if (!parsed || !LOCAL_HOSTS.has(parsed.hostname)) return false;
  if (origin === undefined) return true;
  try {
    return LOCAL_HOSTS.has(new URL(origin).hostname.toLowerCase().replace(/^::1$/, "[::1]"));
  } catch {
    return false;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) return "too-large";
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? "/", "http://localhost");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // As API Gateway does, the front says which scheme the client used (whatever the client claimed).
  headers["x-forwarded-proto"] = "http";
  const method = (req.method ?? "GET").toUpperCase();
  const now = new Date();
  return {
    version: "2.0",
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: req.socket.remoteAddress ?? "",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: `local-${now.getTime()}`,
      routeKey: `${method} ${url.pathname}`,
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? body.toString("base64") : undefined,
    isBase64Encoded: body.length > 0,
  } as APIGatewayProxyEventV2;
}

function sendJsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

/** Connections the local server holds at once: more than any set of local clients opens. */
export const MAX_LOCAL_CONNECTIONS = 128;

export async function startDevServer(options: {
  handler: McpLambdaHandler;
  port: number;
  host?: string;
  /**
   * The handler's own key check, made from the headers before the body is read: a caller without a valid
   * key gets its 401 at once and costs no body buffer (400 unauthenticated 900 KB bodies held 360 MB).
   */
  authenticate?: (headers: Headers) => Promise<unknown>;
  maxConnections?: number;
}): Promise<DevServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer(async (req, res) => {
    try {
      if (!isLocalRequest(req.headers.host, req.headers.origin)) {
        return sendJsonError(res, 403, "forbidden: this local server only answers requests for localhost");
      }
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > MAX_BODY_BYTES)
        return sendJsonError(res, 413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      // Only where the handler itself would ask for a key next (a POST to the endpoint), so every other
      // answer (404, 405) stays the handler's.
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (options.authenticate && req.method === "POST" && path.endsWith(MCP_PATH)) {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === "string") headers.set(name, value);
        const principal = await options.authenticate(headers).catch(() => "let the handler answer");
        if (!principal) {
          const refusal = unauthorized();
          res.writeHead(refusal.status, { ...Object.fromEntries(refusal.headers), connection: "close" });
          res.end(await refusal.text());
          req.destroy();
          return;
        }
      }
      const body = await readBody(req);
      if (body === "too-large")
        return sendJsonError(res, 413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      const result = await options.handler(toEvent(req, body));
      const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
      if (result.cookies?.length) headers["set-cookie"] = result.cookies;
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(
        result.isBase64Encoded && result.body ? Buffer.from(result.body, "base64") : (result.body ?? ""),
      );
    } catch (error) {
      logger.error("local request failed", { error: error as Error });
      if (!res.headersSent) sendJsonError(res, 500, "internal server error");
      else res.end();
    }
  });
  server.maxConnections = options.maxConnections ?? MAX_LOCAL_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
