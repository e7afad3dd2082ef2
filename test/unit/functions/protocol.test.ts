import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { logFormatFor, logger } from "../../../functions/lib/logger.js";
import { createHandler } from "../../../functions/mcp-server/handler.js";
import {
  MAX_BATCH,
  MAX_RESPONSE_BYTES,
  handleMcpRequest,
  type McpHttpDeps,
} from "../../../functions/mcp-server/http.js";
import { parseHost } from "../../../functions/mcp-server/api-gateway.js";
import { isLocalRequest } from "../../../cli/dev-server.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs } from "../../helpers/knowledge-base.js";
import { MCP_HEADERS, TEST_INFO, mcpDeps, mcpPost } from "../../helpers/mcp-http.js";

const info = TEST_INFO;
let kb: KnowledgeBase;
const deps = (extra: Partial<McpHttpDeps> = {}): McpHttpDeps => mcpDeps(() => kb, extra);
const HEADERS = MCP_HEADERS;
const post = (body: unknown, headers: Record<string, string> = {}) => mcpPost(body, { headers });
const call = (id: number | undefined, name: string, args: object = {}) => ({
  jsonrpc: "2.0",
  ...(id === undefined ? {} : { id }),
  method: "tools/call",
  params: { name, arguments: args },
});

beforeAll(async () => {
  const docs: Record<string, string> = { "a.md": "# Expenses\n\nSubmit receipts within 30 days." };
  for (let i = 0; i < 40; i++)
    docs[`big-${i}.md`] = `# Page ${i}\n\n${"receipts expenses travel ".repeat(3000)}`;
  kb = (await knowledgeBaseFrom({ handbook: await folderWith(docs) }, null, undefined, unitCodecs)).kb;
});

describe("the unknown-tool shortcut runs only where the transport would have answered", () => {
  it("answers an unknown tool with a JSON-RPC error, but a notification with nothing", async () => {
    const request = await handleMcpRequest(post(call(7, "no_such_tool")), deps());
    expect(await request.json()).toMatchObject({ error: { code: -32602 }, id: 7 });
    const notification = await handleMcpRequest(post(call(undefined, "no_such_tool")), deps());
    expect(notification.status).toBe(202);
    expect(await notification.text()).toBe("");
  });

  it("keeps the transport's 406, 415 and 400 for an unknown tool too", async () => {
    const bad = (headers: Record<string, string>) =>
      handleMcpRequest(post(call(1, "no_such_tool"), headers), deps());
    expect((await bad({ accept: "application/json" })).status).toBe(406);
    expect((await bad({ "content-type": "text/plain" })).status).toBe(415);
    expect((await bad({ "mcp-protocol-version": "1999-01-01" })).status).toBe(400);
  });
});

describe("batches", () => {
  it("are refused for protocol versions that dropped them", async () => {
    const response = await handleMcpRequest(
      post([call(1, "heartbeat"), call(2, "heartbeat")], { "mcp-protocol-version": "2025-06-18" }),
      deps(),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: -32600, message: expect.stringMatching(/not supported in protocol version 2025-06-18/) },
    });
  });

  it(`hold at most ${MAX_BATCH} messages`, async () => {
    const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) => call(i, "heartbeat"));
    const response = await handleMcpRequest(post(many, { "mcp-protocol-version": "2025-03-26" }), deps());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: `a batch may hold at most ${MAX_BATCH} messages; it held ${MAX_BATCH + 1}` },
    });
  });

  it("answer an unknown tool inside a batch with its own JSON-RPC error, beside the other answers", async () => {
    const response = await handleMcpRequest(
      post([call(1, "heartbeat"), call(2, "no_such_tool")], { "mcp-protocol-version": "2025-03-26" }),
      deps(),
    );
    const answers = (await response.json()) as { id: number; result?: unknown; error?: { code: number } }[];
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
    expect(answers.find((a) => a.id === 1)!.result).toBeDefined();
    expect(answers.find((a) => a.id === 2)!.error!.code).toBe(-32602);
  });

  it("get a clear error instead of an answer too large for Lambda", async () => {
    const reads = Array.from({ length: 4 }, (_, i) =>
      call(i, "get_document", { path: `big-${i}.md`, maxChars: 100_000 }),
    );
    const limit = 200_000;
    const small = await handleMcpRequest(post(reads[0]), deps({ maxResponseBytes: limit }));
    expect(((await small.json()) as { result?: unknown }).result).toBeDefined();
    const response = await handleMcpRequest(
      post(reads, { "mcp-protocol-version": "2025-03-26" }),
      deps({ maxResponseBytes: limit }),
    );
    const text = await response.text();
    expect(Buffer.byteLength(text)).toBeLessThan(limit);
    const answers = JSON.parse(text) as { id: number; error?: { message: string } }[];
    expect(answers.map((a) => a.id)).toEqual([0, 1, 2, 3]);
    expect(answers[0]!.error!.message).toMatch(
      /^the answer would be \d+ bytes, over the 200000-byte limit; ask for fewer results/,
    );
    expect(MAX_RESPONSE_BYTES).toBeLessThan(6 * 1024 * 1024);
  });
});

describe("Origin on the deployed path", () => {
  it("answers 403 to a browser origin the stack does not list, and admits listed or absent ones", async () => {
    const d = deps({ allowedOrigins: ["https://app.example.com"] });
    expect(
      (await handleMcpRequest(post(call(1, "heartbeat"), { origin: "https://evil.example.com" }), d)).status,
    ).toBe(403);
    expect(
      (await handleMcpRequest(post(call(1, "heartbeat"), { origin: "https://app.example.com" }), d)).status,
    ).toBe(200);
    expect((await handleMcpRequest(post(call(1, "heartbeat")), d)).status).toBe(200);
    expect(
      (await handleMcpRequest(post(call(1, "heartbeat"), { origin: "null" }), deps({ allowedOrigins: [] })))
        .status,
    ).toBe(403);
  });
});

describe("capabilities", () => {
  it("declare listChanged: false, since a stateless JSON server never sends the notification", async () => {
    const response = await handleMcpRequest(
      post({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
      deps(),
    );
    const { result } = (await response.json()) as { result: { capabilities: Record<string, unknown> } };
    expect(result.capabilities.tools).toEqual({ listChanged: false });
    expect(result.capabilities.resources).toMatchObject({ listChanged: false });
  });
});

describe("odd requests", () => {
  const event = (method: string, host: string) =>
    ({
      version: "2.0",
      rawPath: "/mcp",
      rawQueryString: "",
      headers: { host, ...HEADERS },
      requestContext: { http: { method }, domainName: host },
      body: JSON.stringify(call(1, "heartbeat")),
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEventV2;
  const handler = createHandler(async () => ({
    kb,
    info,
    handle: (request: Request) => handleMcpRequest(request, deps()),
    authenticate: (headers: Headers) => deps().authenticate(headers),
  }));

  it.each([
    ["TRACE", "localhost", 405],
    ["CONNECT", "localhost", 405],
    ["POST", "localhost:abc", 400],
    ["POST", "127.0.0.1:80@evil.com", 400],
    ["POST", "localhost:99999", 400],
  ])("%s with Host %s gets %i, not a 500", async (method, host, status) => {
    expect((await handler(event(method, host))).statusCode).toBe(status);
  });

  it("parses Host strictly, so tricks do not pass the local server's loopback check", () => {
    expect(parseHost("localhost:8787")).toEqual({ hostname: "localhost", port: 8787 });
    expect(parseHost("[::1]:80")).toEqual({ hostname: "[::1]", port: 80 });
    for (const trick of ["127.0.0.1:80@evil.com", "localhost:abc", "localhost.:80/x", "a b"]) {
      expect(parseHost(trick), trick).toBeUndefined();
    }
    expect(isLocalRequest("127.0.0.1:80@evil.com", undefined)).toBe(false);
    expect(isLocalRequest("127.0.0.1:8787", undefined)).toBe(true);
  });
});

describe("error codes", () => {
  const send = async (method: string, params: unknown) => {
    const response = await handleMcpRequest(
      post({ jsonrpc: "2.0", id: 9, method, params }, { "mcp-protocol-version": "2025-06-18" }),
      deps(),
    );
    return ((await response.json()) as { error: { code: number; message: string } }).error;
  };

  it.each([
    [
      "resources/read",
      { uri: "thoth://handbook/nope" },
      -32602,
      /^resource not found: no document with id "nope"/,
    ],
    [
      "resources/read",
      { uri: "http://example.com/x" },
      -32602,
      /^resource not found: http:\/\/example\.com\/x; resources are thoth:/,
    ],
    ["resources/read", { uri: "not a uri" }, -32602, /^invalid params \(params\.uri\): not a valid URI/],
    [
      "tools/call",
      { name: "heartbeat", arguments: null },
      -32602,
      /^invalid params \(params\.arguments\): .*expected record, received null$/,
    ],
    [
      "resources/list",
      { cursor: 5 },
      -32602,
      /^invalid params \(params\.cursor\): .*expected string, received number$/,
    ],
  ])("%s %j answers %i with a short message and no doubled prefix", async (method, params, code, message) => {
    const error = await send(method, params);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/MCP error|\n|"code":/);
  });
});

describe("Lambda context, logs and metrics", () => {
  const context = (awsRequestId: string) =>
    ({
      awsRequestId,
      functionName: "thoth-dev-mcp",
      functionVersion: "7",
      invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:thoth-dev-mcp:live",
      memoryLimitInMB: "1024",
      getRemainingTimeInMillis: () => 29_000,
    }) as unknown as Context;
  const event = {
    version: "2.0",
    rawPath: "/mcp",
    rawQueryString: "",
    headers: { host: "api.example.com", ...HEADERS },
    requestContext: { http: { method: "POST" }, domainName: "api.example.com" },
    body: JSON.stringify(call(1, "heartbeat")),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;

  it("carries the request id and the cold-start flag on every log line, and records each tool call", async () => {
    const handler = createHandler(async () => ({
      kb,
      info,
      handle: (request: Request) => handleMcpRequest(request, deps()),
      authenticate: (headers: Headers) => deps().authenticate(headers),
    }));
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    const saved = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = "false";
    // As Lambda sets it: Powertools counts a cold start only in an on-demand execution environment.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand";
    logger.setLogLevel("INFO");
    // As on Lambda (AWS_LAMBDA_FUNCTION_NAME set): JSON lines.
    logger.setLogFormat("json");
    try {
      await handler(event, context("req-1"));
      await handler(event, context("req-2"));
    } finally {
      process.stdout.write = write;
      logger.setLogLevel("SILENT");
      logger.setLogFormat(logFormatFor(process.env).format);
      process.env.POWERTOOLS_METRICS_DISABLED = saved;
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const toolLogs = records.filter((r) => r.message === "tool call");
    // The logger's cold-start flag belongs to the process (it was made before this test set the initialization
    // type, so it reads false here; in Lambda it is true on the first invocation only).
    expect(toolLogs.map((r) => [r.function_request_id, typeof r.cold_start, r.tool])).toEqual([
      ["req-1", "boolean", "heartbeat"],
      ["req-2", "boolean", "heartbeat"],
    ]);
    expect(toolLogs[1]!.cold_start).toBe(false);
    const toolMetrics = records.filter((r) => "ToolCalls" in r);
    expect(toolMetrics).toEqual([
      expect.objectContaining({ tool: "heartbeat", ToolCalls: 1, ToolErrors: 0, service: "thoth" }),
      expect.objectContaining({ tool: "heartbeat", ToolCalls: 1 }),
    ]);
    expect(records.filter((r) => "ColdStart" in r)).toEqual([expect.objectContaining({ ColdStart: 1 })]);
  });
});
