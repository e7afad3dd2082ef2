import { beforeAll, describe, expect, it } from "vitest";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { handleMcpRequest, type McpHttpDeps } from "../../../functions/mcp-server/http.js";
import { captureLogs } from "../../helpers/capture-logs.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs } from "../../helpers/knowledge-base.js";
import { TEST_TTL_MS, mcpDeps, mcpPost } from "../../helpers/mcp-http.js";

/** The per-request envelope every 2026-07-28 request carries in `params._meta`. */
const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
};

/** A 2026-07-28 request as a client sends it: envelope in the body, method (and name) in headers too. */
function modern(method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const name = typeof params["name"] === "string" ? params["name"] : (params["uri"] as string | undefined);
  return mcpPost(
    { jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: META } },
    {
      headers: {
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        ...(name ? { "mcp-name": name } : {}),
        ...headers,
      },
    },
  );
}

describe("MCP 2026-07-28 beside the 2025 era", () => {
  let deps: McpHttpDeps;
  let scoped: McpHttpDeps;
  beforeAll(async () => {
    const { kb } = await knowledgeBaseFrom(
      {
        docs: await folderWith({ "a.md": "# A\n\nAlpha bravo." }),
        secret: await folderWith({ "s.md": "# S\n\nSecret plans." }),
      },
      null,
      undefined,
      unitCodecs,
    );
    deps = mcpDeps(kb as KnowledgeBase);
    scoped = mcpDeps(kb as KnowledgeBase, { scope: new Set(["docs"]) });
  });
  // JSON answers, read field by field below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const answer = async (request: Request, using = deps) => {
    const response = await handleMcpRequest(request, using);
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : undefined };
  };

  it("answers server/discover with the 2026 revision, capabilities and the server's identity", async () => {
    const { status, body } = await answer(modern("server/discover"));
    expect(status).toBe(200);
    expect(body!.result.supportedVersions).toContain("2026-07-28");
    expect(body!.result.capabilities).toMatchObject({
      tools: {},
      resources: {},
      prompts: {},
      completions: {},
    });
    expect(body!.result._meta["io.modelcontextprotocol/serverInfo"]).toMatchObject({ name: "thoth" });
  });

  it("gives lists and reads cache hints: public for what every key sees, private for documents", async () => {
    const hint = async (method: string, params: Record<string, unknown> = {}) => {
      const { body } = await answer(modern(method, params));
      return {
        ttlMs: body!.result.ttlMs,
        cacheScope: body!.result.cacheScope,
        resultType: body!.result.resultType,
      };
    };
    expect(await hint("tools/list")).toEqual({
      ttlMs: TEST_TTL_MS,
      cacheScope: "public",
      resultType: "complete",
    });
    expect(await hint("prompts/list")).toMatchObject({ ttlMs: TEST_TTL_MS, cacheScope: "public" });
    expect(await hint("resources/templates/list")).toMatchObject({
      ttlMs: TEST_TTL_MS,
      cacheScope: "public",
    });
    expect(await hint("resources/list")).toMatchObject({ ttlMs: TEST_TTL_MS, cacheScope: "private" });
    const { body } = await answer(modern("resources/list"));
    const uri = body!.result.resources[0].uri as string;
    expect(await hint("resources/read", { uri })).toMatchObject({
      ttlMs: TEST_TTL_MS,
      cacheScope: "private",
    });
  });

  it("scopes a 2026 listing by key, as a 2025 one", async () => {
    const { body } = await answer(modern("resources/list"), scoped);
    expect(body!.result.resources.map((r: { name: string }) => r.name)).toEqual(["docs/a.md"]);
    const { body: call } = await answer(
      modern("tools/call", { name: "list_collections", arguments: {} }),
      scoped,
    );
    expect(JSON.stringify(call!.result.structuredContent)).not.toContain("secret");
  });

  it.each([
    ["no Mcp-Method header", { "mcp-method": "" }, -32020],
    ["an Mcp-Method header naming another method", { "mcp-method": "prompts/list" }, -32020],
    ["no MCP-Protocol-Version header", { "mcp-protocol-version": "" }, -32020],
  ])("answers a 2026 request with %s with 400", async (_what, headers, code) => {
    const request = modern("tools/list");
    for (const [name, value] of Object.entries(headers)) {
      if (value) request.headers.set(name, value);
      else request.headers.delete(name);
    }
    const { status, body } = await answer(request);
    expect(status).toBe(400);
    expect(body!.error.code).toBe(code);
  });

  it("answers a tools/call without its Mcp-Name header with 400", async () => {
    const request = modern("tools/call", { name: "heartbeat", arguments: {} });
    request.headers.delete("mcp-name");
    const { status, body } = await answer(request);
    expect(status).toBe(400);
    expect(body!.error.code).toBe(-32020);
  });

  it("answers an envelope naming a revision it does not serve with -32022", async () => {
    const request = mcpPost(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: { _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "2099-01-01" } },
      },
      { headers: { "mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list" } },
    );
    const { status, body } = await answer(request);
    expect(status).toBe(400);
    expect(body!.error.code).toBe(-32022);
    // The versions it does serve travel in the error's data (kept through Thoth's error convention).
    expect(JSON.stringify(body!.error.data)).toContain("2026-07-28");
  });

  it("keeps each era's methods to itself: no server/discover for 2025, no initialize for 2026", async () => {
    const legacy = await answer(
      mcpPost(
        { jsonrpc: "2.0", id: 1, method: "server/discover", params: {} },
        { headers: { "mcp-protocol-version": "2025-11-25" } },
      ),
    );
    expect(legacy.body!.error.code).toBe(-32601);
    const init = await answer(
      modern("initialize", {
        protocolVersion: "2026-07-28",
        capabilities: {},
        clientInfo: { name: "x", version: "1" },
      }),
    );
    expect(init.status).toBeLessThan(500);
    expect(init.body!.error.code).toBe(-32601);
  });

  it("ignores an Mcp-Session-Id on a 2026 request, and neither mints nor echoes one (2026-07-28 has no sessions)", async () => {
    const response = await handleMcpRequest(modern("tools/list", {}, { "mcp-session-id": "abc-123" }), deps);
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    expect(((await response.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(
      0,
    );
  });

  it("acknowledges a 2026 notification with 202 and no body", async () => {
    const request = mcpPost(
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: META } },
      { headers: { "mcp-protocol-version": "2026-07-28", "mcp-method": "notifications/cancelled" } },
    );
    const { status, body } = await answer(request);
    expect(status).toBe(202);
    expect(body).toBeUndefined();
  });

  it("answers a missing resource with -32602 and what resources look like", async () => {
    const { body } = await answer(modern("resources/read", { uri: "thoth://docs/nope" }));
    expect(body!.error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/^resource not found/),
    });
  });

  it("logs each refused request once, never a 500: bad headers, envelopes, era-crossing methods", async () => {
    const withoutHeader = (name: string) => {
      const request = modern("tools/list");
      request.headers.delete(name);
      return request;
    };
    const requests = [
      () => withoutHeader("mcp-method"),
      () => withoutHeader("mcp-protocol-version"),
      () => modern("tools/list", {}, { "mcp-method": "prompts/list" }),
      () =>
        mcpPost(
          { jsonrpc: "2.0", id: 1, method: "server/discover", params: {} },
          { headers: { "mcp-protocol-version": "2025-11-25" } },
        ),
      () =>
        modern("initialize", {
          protocolVersion: "2026-07-28",
          capabilities: {},
          clientInfo: { name: "x", version: "1" },
        }),
      () => modern("resources/read", { uri: "thoth://docs/nope" }),
    ];
    const capture = captureLogs("INFO");
    const { lines } = capture;
    try {
      for (const make of requests) {
        lines.length = 0;
        const response = await handleMcpRequest(make(), deps);
        expect(response.status).toBeLessThan(500);
        const refused = lines
          .join("")
          .split("\n")
          .filter((l) => l.includes("request refused"));
        expect(refused).toHaveLength(1);
      }
    } finally {
      capture.stop();
    }
  });
});
