import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerDeps } from "./deps.js";
import { registerPrompts } from "./prompts.js";
import { registerDocumentResources } from "./resources/documents.js";
import { declareNoListChanged } from "./sdk-overrides.js";
import { registerTools } from "./tools/index.js";

const INSTRUCTIONS =
  "Thoth answers questions from an indexed knowledge base. Start with search_documents; cite results by title and path or URL; read a whole document with get_document. list_collections shows what is indexed; heartbeat shows freshness.";

/**
 * The SDK builds an Ajv instance (for elicitation schemas, which Thoth never sends) in every server unless
 * given one: built per request, that was the largest cost of a request. One per process instead.
 */
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/** A new McpServer with every Thoth tool and the document resources; built per request (stateless transport). */
export function createMcpServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: deps.info.name, version: deps.info.version },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, completions: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator,
    },
  );
  registerTools(server, deps);
  registerDocumentResources(server, deps);
  registerPrompts(server, deps);
  declareNoListChanged(server);
  return server;
}
