/**
 * The places where Thoth steps outside the MCP SDK's documented behaviour, in one module; each relies on an SDK
 * behaviour that test/unit/functions/sdk-overrides.test.ts pins, so an SDK upgrade that changes it fails there.
 */
import type { ListResourcesResult, McpServer } from "@modelcontextprotocol/server";

/**
 * Replaces McpServer's own `resources/list` (which lists a template's resources unpaged) with a paged one.
 * Relies on: registering a resource installs the SDK's handler, and a later `setRequestHandler` replaces it.
 */
export function replaceResourceListing(
  server: McpServer,
  list: (cursor: string | undefined) => Promise<ListResourcesResult> | ListResourcesResult,
): void {
  server.server.setRequestHandler("resources/list", async (request) => list(request.params?.cursor));
}

/**
 * Registering tools, resources and prompts declares `listChanged: true`, but a stateless JSON server never sends the
 * notification. Relies on: capabilities registered later win (until the server connects).
 */
export function declareNoListChanged(server: McpServer): void {
  server.server.registerCapabilities({
    tools: { listChanged: false },
    resources: { listChanged: false },
    prompts: { listChanged: false },
  });
}

/**
 * A request calling a tool the server does not have, as the JSON-RPC error the spec asks for, saying where to
 * find the tools. The SDK answers -32602 too, but only "Tool x not found"; http.ts answers before it does.
 */
export function unknownToolError(message: unknown, tools: ReadonlySet<string>): object | undefined {
  if (!message || typeof message !== "object" || Array.isArray(message)) return undefined;
  const { method, params, id } = message as { method?: unknown; params?: { name?: unknown }; id?: unknown };
  const isId = typeof id === "string" || typeof id === "number";
  if (!isId || method !== "tools/call" || typeof params?.name !== "string" || tools.has(params.name))
    return undefined;
  const name = params.name.length > 80 ? `${params.name.slice(0, 80)}…` : params.name;
  return {
    jsonrpc: "2.0",
    error: { code: -32602, message: `unknown tool "${name}"; call tools/list for the available tools` },
    id,
  };
}
