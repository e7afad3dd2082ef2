/**
 * Every tool of the server, registered from here (as the reference MCP servers do): a new tool is one file
 * exporting `defineTool({...})` (define-tool.ts), listed below. TOOL_NAMES comes from this list, so the
 * unknown-tool check can never disagree with what is registered.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { ServerDeps } from "../deps.js";
import type { ToolModule } from "./define-tool.js";
import { fetchTool } from "./fetch.js";
import { getDocumentTool } from "./get-document.js";
import { heartbeatTool } from "./heartbeat.js";
import { listCollectionsTool } from "./list-collections.js";
import { listDocumentsTool } from "./list-documents.js";
import { searchTool } from "./search.js";
import { searchDocumentsTool } from "./search-documents.js";

export const TOOLS: readonly ToolModule[] = [
  searchDocumentsTool,
  getDocumentTool,
  listDocumentsTool,
  listCollectionsTool,
  heartbeatTool,
  // ChatGPT's connectors and deep research look for exactly these two.
  searchTool,
  fetchTool,
];

export const TOOL_NAMES: ReadonlySet<string> = new Set(TOOLS.map((tool) => tool.name));

export function registerTools(server: McpServer, deps: ServerDeps): void {
  for (const tool of TOOLS) tool.register(server, deps);
}
