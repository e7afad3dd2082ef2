import { McpServer } from "@modelcontextprotocol/server";
import type { ServerDeps } from "./deps.js";
import { registerPrompts } from "./prompts.js";
import { registerDocumentResources } from "./resources/documents.js";
import { declareNoListChanged } from "./sdk-overrides.js";
import { registerTools } from "./tools/index.js";

const INSTRUCTIONS =
  "Thoth answers questions from an indexed knowledge base. Start with search_documents; cite results by title and path or URL; read a whole document with get_document. list_collections shows what is indexed; heartbeat shows freshness.";

/**
 * A new McpServer with every Thoth tool, the document resources and the prompts; built per request (both
 * protocol eras are served statelessly, one request at a time). `methods`, the request's: a request that only
 * calls or lists tools gets a server without the resources and prompts it cannot reach (their registration was
 * a twentieth of a search request's CPU, profiled under load). The capabilities announced stay the same.
 */
export function createMcpServer(deps: ServerDeps, methods?: readonly string[]): McpServer {
  const { info } = deps;
  // 2026-07-28 lists and reads carry cache hints. Everything listed is fixed for a bundle version, and a new
  // version is picked up within `cacheTtlMs`. Tools, prompts and templates are the same for every caller
  // (public); documents and their listing depend on the caller's key (private: a shared cache must not keep them).
  const ttlMs = deps.cacheTtlMs;
  const server = new McpServer(
    {
      name: info.name,
      version: info.version,
      title: info.title,
      description: info.description,
      ...(info.websiteUrl ? { websiteUrl: info.websiteUrl } : {}),
      icons: info.icons,
    },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, completions: {} },
      instructions: INSTRUCTIONS,
      cacheHints: {
        "tools/list": { ttlMs, cacheScope: "public" },
        "prompts/list": { ttlMs, cacheScope: "public" },
        "resources/templates/list": { ttlMs, cacheScope: "public" },
        "server/discover": { ttlMs, cacheScope: "public" },
        "resources/list": { ttlMs, cacheScope: "private" },
        "resources/read": { ttlMs, cacheScope: "private" },
      },
    },
  );
  registerTools(server, deps);
  if (!methods?.length || !methods.every((m) => m.startsWith("tools/"))) {
    registerDocumentResources(server, deps);
    registerPrompts(server, deps);
  }
  declareNoListChanged(server);
  return server;
}
