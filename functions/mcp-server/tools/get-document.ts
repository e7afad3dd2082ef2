import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ToolDeps } from "../server.js";
import { runTool, toolResult } from "../tool-results.js";
import { DocumentListingShape, READ_ONLY } from "./schemas.js";

/** `get_document`: the full normalised text of one document, by id or path. */
export function registerGetDocumentTool(server: McpServer, { kb }: ToolDeps): void {
  server.registerTool(
    "get_document",
    {
      title: "Get document",
      description:
        "Read one document in full (Markdown), by its id (docId from search_documents or list_documents) or its path.",
      inputSchema: {
        id: z.string().min(1).max(200).optional().describe("The document id"),
        path: z.string().min(1).max(1000).optional().describe("The document path, e.g. on-call/rotation.md"),
        collection: z.string().optional().describe("The collection; searched across all when omitted"),
      },
      outputSchema: { ...DocumentListingShape, text: z.string() },
      annotations: READ_ONLY,
    },
    (args) =>
      runTool("get_document", () => {
        const { collection, document } = kb.getDocument(args);
        const { id, path, title, url, source, updatedAt, text } = document;
        return toolResult(
          {
            collection,
            id,
            path,
            title,
            ...(url ? { url } : {}),
            source,
            ...(updatedAt ? { updatedAt } : {}),
            text,
          },
          `# ${title}\n(${collection}: ${url ?? path})\n\n${text}`,
        );
      }),
  );
}
