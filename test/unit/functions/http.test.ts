import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createHandler } from "../../../functions/mcp-server/handler.js";
import { MAX_BODY_BYTES, handleMcpRequest } from "../../../functions/mcp-server/http.js";
import { eventToRequest, responseToResult } from "../../../functions/mcp-server/api-gateway.js";
import { TOOL_NAMES } from "../../../functions/mcp-server/tools/index.js";
import { McpServer } from "@modelcontextprotocol/server";
import { mcpPost } from "../../helpers/mcp-http.js";

const deps = (authenticated: boolean, createServer?: () => McpServer) => ({
  authenticate: async () => (authenticated ? { scope: undefined } : undefined),
  toolNames: TOOL_NAMES,
  createServer:
    createServer ??
    (() => {
      throw new Error("server must not be created");
    }),
});

const post = (body: unknown, path = "/mcp") => mcpPost(body, { url: `http://localhost${path}` });

function event(
  overrides: Partial<APIGatewayProxyEventV2> & { method?: string } = {},
): APIGatewayProxyEventV2 {
  const { method = "POST", ...rest } = overrides;
  return {
    version: "2.0",
    routeKey: `${method} /mcp`,
    rawPath: "/mcp",
    rawQueryString: "",
    headers: { host: "abc.execute-api.eu-west-1.amazonaws.com", "content-type": "application/json" },
    requestContext: { http: { method }, domainName: "abc.execute-api.eu-west-1.amazonaws.com" },
    isBase64Encoded: false,
    ...rest,
  } as APIGatewayProxyEventV2;
}

describe("handleMcpRequest", () => {
  it.each(["GET", "DELETE", "PUT"])("answers %s with 405 and Allow: POST, before auth", async (method) => {
    const response = await handleMcpRequest(new Request("http://localhost/mcp", { method }), deps(false));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32005 }, id: null });
  });

  it("answers 401 with WWW-Authenticate and a JSON-RPC error when the API key is missing", async () => {
    const response = await handleMcpRequest(
      post({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      deps(false),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="thoth"');
    expect(await response.json()).toMatchObject({
      error: { code: -32001, message: expect.stringMatching(/API key/) },
    });
  });

  it("answers 404 outside the MCP path", async () => {
    const response = await handleMcpRequest(post({}, "/admin"), deps(true));
    expect(response.status).toBe(404);
  });

  it("turns an unexpected fault into a generic 500 without details", async () => {
    const response = await handleMcpRequest(
      post({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      deps(true, () => {
        throw new Error("secret detail arn:aws:iam::123456789012:role/x");
      }),
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain("internal server error");
    expect(text).not.toContain("arn:aws");
    expect(text).not.toContain("secret detail");
  });
});

describe("limits and malformed requests", () => {
  const realServer = () => new McpServer({ name: "t", version: "1" });

  it("refuses a declared oversize body with 413 before reading it", async () => {
    const request = new Request("http://localhost/mcp", {
      method: "POST",
      headers: { "content-length": String(2 * 1024 * 1024) },
      body: "{}",
    });
    const response = await handleMcpRequest(request, deps(true));
    expect(response.status).toBe(413);
  });

  it("refuses an oversize body that did not declare its length with 413, before parsing", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      params: { pad: "x".repeat(MAX_BODY_BYTES) },
    });
    const response = await handleMcpRequest(
      new Request("http://localhost/mcp", { method: "POST", body }),
      deps(true),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { message: expect.stringMatching(/larger than 1048576 bytes/) },
    });
  });

  it("answers a body that is not JSON with a JSON-RPC parse error", async () => {
    const response = await handleMcpRequest(
      new Request("http://localhost/mcp", { method: "POST", body: "{not json" }),
      deps(true),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
  });

  it("answers an unsupported MCP-Protocol-Version with 400 and a clear message", async () => {
    const request = mcpPost(
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { headers: { "mcp-protocol-version": "1999-01-01" } },
    );
    const response = await handleMcpRequest(request, deps(true, realServer));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Unsupported protocol version/);
  });
});

describe("API Gateway v2 conversion", () => {
  it("builds a Request with method, headers, query and a base64-decoded body", async () => {
    const request = eventToRequest(
      event({
        rawQueryString: "a=1",
        body: Buffer.from('{"x":1}').toString("base64"),
        isBase64Encoded: true,
        cookies: ["c=1"],
      }),
    );
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://abc.execute-api.eu-west-1.amazonaws.com/mcp?a=1");
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(request.headers.get("cookie")).toBe("c=1");
    expect(await request.text()).toBe('{"x":1}');
  });

  it("ignores a body on GET", () => {
    expect(eventToRequest(event({ method: "GET", body: "x" })).body).toBeNull();
  });

  it("turns a Response into a structured result", async () => {
    const result = await responseToResult(
      new Response('{"ok":true}', { status: 202, headers: { "content-type": "application/json" } }),
    );
    expect(result).toEqual({
      statusCode: 202,
      headers: { "content-type": "application/json" },
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
  });
});

describe("Lambda handler", () => {
  it("answers 503 when the cold start fails, and retries on the next event", async () => {
    let attempts = 0;
    const handler = createHandler(async () => {
      attempts++;
      throw new Error("bucket unreachable");
    });
    const first = await handler(event());
    expect(first.statusCode).toBe(503);
    expect(first.body).not.toContain("bucket unreachable");
    await handler(event());
    expect(attempts).toBe(2);
  });
});
