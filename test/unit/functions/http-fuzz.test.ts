import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { handleMcpRequest, MAX_BODY_BYTES, type McpHttpDeps } from "../../../functions/mcp-server/http.js";
import { createMcpServer } from "../../../functions/mcp-server/server.js";
import { TOOL_NAMES } from "../../../functions/mcp-server/tools/index.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs } from "../../helpers/knowledge-base.js";
import { TEST_TTL_MS, testInfo } from "../../helpers/mcp-http.js";

const KEY = "fuzz-key";
const ALLOWED = new Set([200, 202, 400, 401, 404, 405, 406, 413, 415]);
const METHODS = [
  "initialize",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "ping",
  "notifications/initialized",
  "prompts/list",
];

let deps: McpHttpDeps;

beforeAll(async () => {
  const { kb } = await knowledgeBaseFrom(
    { docs: await folderWith({ "a.md": "# A\n\nAlpha bravo.", "b.md": "# B\n\nCharlie delta." }) },
    null,
    undefined,
    unitCodecs,
  );
  deps = {
    authenticate: async (h) =>
      h.get("authorization") === `Bearer ${KEY}` ? { scope: undefined } : undefined,
    createServer: (p, methods) =>
      createMcpServer(
        { kb: (kb as KnowledgeBase).forScope(p.scope), info: testInfo("fuzz", "0"), cacheTtlMs: TEST_TTL_MS },
        methods,
      ),
    toolNames: TOOL_NAMES,
  };
});

const jsonRpc = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant("2.0"), fc.string({ maxLength: 5 })),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null)),
    method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 30 })),
    params: fc.oneof(
      fc.record({
        name: fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.string({ maxLength: 40 })),
        arguments: fc.dictionary(
          fc.constantFrom(
            "query",
            "id",
            "path",
            "collection",
            "limit",
            "mode",
            "cursor",
            "maxChars",
            "type",
            "x",
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
      }),
      fc.record({
        uri: fc.oneof(fc.constant("thoth://docs/0000"), fc.webUrl(), fc.string({ maxLength: 60 })),
      }),
      fc.jsonValue({ maxDepth: 4 }),
    ),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 5, arbitrary: jsonRpc.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.array(jsonRpc, { maxLength: 5 }).map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  { weight: 1, arbitrary: fc.nat({ max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 20_000 })
      .map(
        (n) =>
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_documents","arguments":{"query":${JSON.stringify("é😀\u0000\u202e".repeat(n))}}}}`,
      ),
  },
);

const headers = fc.record({
  "content-type": fc.constantFrom(
    "application/json",
    "text/plain",
    "application/json; charset=utf-8",
    undefined,
  ),
  accept: fc.constantFrom(
    "application/json, text/event-stream",
    "application/json",
    "text/html",
    "*/*",
    undefined,
  ),
  authorization: fc.constantFrom(`Bearer ${KEY}`, "Bearer wrong", "Basic abc", undefined),
  "mcp-protocol-version": fc.constantFrom("2025-06-18", "2025-03-26", "1999-01-01", "", undefined),
});

async function send(b: string, h: Record<string, string | undefined>, method = "POST") {
  const defined = Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return handleMcpRequest(
    new Request("http://localhost/mcp", {
      method,
      headers: defined,
      ...(method === "POST" ? { body: b } : {}),
    }),
    deps,
  );
}

describe("fuzzing the HTTP handler", () => {
  it("answers thousands of generated requests with a well-formed response and never crashes", async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        headers,
        fc.constantFrom("POST", "POST", "POST", "GET", "DELETE", "PUT"),
        async (b, h, method) => {
          const response = await send(b, h, method);
          const text = await response.text();
          // A 500 means the handler faulted on input; no generated request may cause one.
          expect(ALLOWED, `status ${response.status}: ${text.slice(0, 200)}`).toContain(response.status);
          if (!text) return;
          const parsed = JSON.parse(text) as unknown;
          const messages = Array.isArray(parsed) ? parsed : [parsed];
          for (const m of messages) expect((m as { jsonrpc?: string }).jsonrpc).toBe("2.0");
          if (response.status >= 400)
            expect(typeof (parsed as { error?: { code?: unknown } }).error?.code).toBe("number");
          expect(text).not.toMatch(/\n\s+at .*\(|node_modules|\.ts:\d+/);
        },
      ),
      { numRuns: 2500 },
    );
    const ok = await send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "search_documents", arguments: { query: "alpha" } },
      }),
      {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${KEY}`,
      },
    );
    expect(ok.status).toBe(200);
    expect(
      ((await ok.json()) as { result: { structuredContent: { results: unknown[] } } }).result
        .structuredContent.results,
    ).toHaveLength(1);
  }, 300_000);

  it("answers every JSON atom, as the whole body or as a batch element, with 400 invalid request", async () => {
    const h = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${KEY}`,
    };
    const valid = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    for (const atom of ["null", "true", "false", "0", "-1.5e3", '"x"', '""', "[[]]", "[[1]]"]) {
      for (const b of [atom, `[${valid},${atom}]`, `[${atom}]`]) {
        const response = await send(b, h);
        expect(response.status, b).toBe(400);
        expect(((await response.json()) as { error: { code: number } }).error.code, b).toBe(-32600);
      }
    }
  });

  it("refuses a body one byte over the limit and accepts one at it", async () => {
    const h = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${KEY}`,
    };
    const pad = (n: number) =>
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(n) } });
    const base = pad(0).length;
    expect((await send(pad(MAX_BODY_BYTES - base + 1), h)).status).toBe(413);
    expect((await send(pad(MAX_BODY_BYTES - base), h)).status).toBe(200);
  });
});
