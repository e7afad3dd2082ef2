/**
 * MCP over HTTP in tests: the request a Streamable HTTP client sends, the handler's dependencies over a
 * knowledge base, and a real SDK client whose fetch calls the handler directly (no socket).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { KnowledgeBase, ScopedKnowledgeBase } from "../../functions/core/knowledge-base.js";
import type { Scope } from "../../functions/core/read-model.js";
import { handleMcpRequest, type McpHttpDeps } from "../../functions/mcp-server/http.js";
import type { ServerInfo } from "../../functions/mcp-server/deps.js";
import { createMcpServer } from "../../functions/mcp-server/server.js";
import { serverInfo } from "../../functions/mcp-server/server-info.js";
import { TOOL_NAMES } from "../../functions/mcp-server/tools/index.js";

/** The headers every MCP POST carries: a JSON body, and both answer types accepted. */
export const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** A POST of `body` (JSON) to the MCP endpoint, with MCP_HEADERS and any `headers` on top. */
export function mcpPost(
  body: unknown,
  options: { url?: string; headers?: Record<string, string> } = {},
): Request {
  return new Request(options.url ?? "http://localhost/mcp", {
    method: "POST",
    headers: { ...MCP_HEADERS, ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The server's own info for stack `stack` (the real builder), at a fixed test version. */
export const testInfo = (stack = "unit", version = "0.0.0-test"): ServerInfo => ({
  ...serverInfo({ THOTH_STACK: stack }),
  version,
});
export const TEST_INFO = testInfo();
/** How long clients may cache lists in tests (2026-07-28 ttlMs). */
export const TEST_TTL_MS = 60_000;

/**
 * The handler's dependencies over `kb`: every request is authenticated (with `scope`) unless `overrides` says
 * otherwise, and served by the real server factory.
 */
export function mcpDeps(
  kb: KnowledgeBase | (() => KnowledgeBase),
  overrides: Partial<McpHttpDeps> & { scope?: Scope; info?: ServerInfo } = {},
): McpHttpDeps {
  const { scope, info = TEST_INFO, ...rest } = overrides;
  const base = () => (typeof kb === "function" ? kb() : kb);
  return {
    createServer: (principal, methods) =>
      createMcpServer(
        { kb: base().forScope(principal.scope) as ScopedKnowledgeBase, info, cacheTtlMs: TEST_TTL_MS },
        methods,
      ),
    authenticate: async () => ({ scope }),
    toolNames: TOOL_NAMES,
    ...rest,
  };
}

/** A real SDK client connected to the handler over `deps` (its fetch calls handleMcpRequest). */
export async function mcpClient(
  deps: McpHttpDeps,
  options: { headers?: Record<string, string>; onResponse?: (response: Response) => Promise<void> } = {},
): Promise<Client> {
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("http://localhost/mcp"), {
      ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
      fetch: async (url, init) => {
        const response = await handleMcpRequest(new Request(url, init), deps);
        await options.onResponse?.(response.clone());
        return response;
      },
    }),
  );
  return client;
}
