import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { KnowledgeBase, Scope } from "../core/knowledge-base.js";
import { registerDocumentResources } from "./resources/documents.js";
import { registerGetDocumentTool } from "./tools/get-document.js";
import { registerHeartbeatTool } from "./tools/heartbeat.js";
import { registerListCollectionsTool } from "./tools/list-collections.js";
import { registerListDocumentsTool } from "./tools/list-documents.js";
import { registerSearchDocumentsTool } from "./tools/search-documents.js";

export interface ServerInfo {
  name: string;
  version: string;
  stack: string;
}

/** What every tool gets. */
export interface ToolDeps {
  kb: KnowledgeBase;
  info: ServerInfo;
  /** The collections the caller's API key may see (undefined: all); every tool and resource applies it. */
  scope?: Scope;
}

export const TOOL_NAMES: ReadonlySet<string> = new Set([
  "search_documents",
  "get_document",
  "list_documents",
  "list_collections",
  "heartbeat",
]);

const INSTRUCTIONS =
  "Thoth answers questions from an indexed knowledge base. Start with search_documents; cite results by title and path or URL; read a whole document with get_document. list_collections shows what is indexed; heartbeat shows freshness.";

/** A new McpServer with every Thoth tool; built per request (the transport is stateless). */
export function createMcpServer(deps: ToolDeps): McpServer {
  const server = new McpServer(
    { name: deps.info.name, version: deps.info.version },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  registerSearchDocumentsTool(server, deps);
  registerGetDocumentTool(server, deps);
  registerListDocumentsTool(server, deps);
  registerListCollectionsTool(server, deps);
  registerHeartbeatTool(server, deps);
  registerDocumentResources(server, deps);
  // Registering tools and resources declares listChanged: true, but a stateless JSON server never sends the
  // notification; say so (public API, allowed until the server connects).
  server.server.registerCapabilities({ tools: { listChanged: false }, resources: { listChanged: false } });
  return server;
}
