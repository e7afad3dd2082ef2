import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { DEFAULT_PAGE_CHARS } from "../../core/knowledge-base.js";
import type { ServerDeps } from "../deps.js";
import type { ToolModule } from "./index.js";
import { runTool, toolResult } from "../tool-results.js";
import { DocumentListingShape, READ_ONLY } from "./schemas.js";

/** Built once per cold start, not per request: the server itself is rebuilt for every request. */
const INPUT = {
  id: z.string().min(1).max(200).optional().describe("The document id"),
  path: z.string().min(1).max(1000).optional().describe("The document path, e.g. on-call/rotation.md"),
  collection: z.string().max(100).optional().describe("The collection; searched across all when omitted"),
  cursor: z.string().max(200).optional().describe("nextCursor from the previous page"),
  maxChars: z
    .number()
    .int()
    .min(1000)
    .max(100_000)
    .default(DEFAULT_PAGE_CHARS)
    .describe("Page size in characters"),
};

const OUTPUT = {
  ...DocumentListingShape,
  text: z.string(),
  totalChars: z.number().int(),
  nextCursor: z.string().optional(),
};

/** `get_document`: a document's normalised text, by id or path, a page at a time for long documents. */
export const getDocumentTool: ToolModule = {
  name: "get_document",
  register(server: McpServer, { kb }: ServerDeps): void {
    server.registerTool(
      this.name,
      {
        title: "Get document",
        description:
          "Read a document (Markdown) by its id (from search_documents or list_documents) or its path. Long documents come in pages: pass nextCursor back as cursor for the rest.",
        inputSchema: INPUT,
        outputSchema: OUTPUT,
        annotations: READ_ONLY,
      },
      (args) =>
        runTool("get_document", () => {
          const page = kb.getDocumentPage(args);
          const { document, text, totalChars, nextCursor } = page;
          const more = nextCursor
            ? `\n\n[The document continues (${totalChars} characters in all): call again with cursor "${nextCursor}"]`
            : "";
          // Most documents open with their title as a heading already: say it once.
          const title = text.trimStart().startsWith(`# ${document.title}`) ? "" : `# ${document.title}\n`;
          return toolResult(
            { ...document, text, totalChars, ...(nextCursor ? { nextCursor } : {}) },
            `${title}(${document.collection}: ${document.url ?? document.path})\n\n${text}${more}`,
          );
        }),
    );
  },
};
