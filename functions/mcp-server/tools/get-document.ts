import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { DEFAULT_PAGE_CHARS } from "../../core/read-model.js";
import { DocumentListingShape } from "./schemas.js";

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
export const getDocumentTool = defineTool({
  name: "get_document",
  title: "Get document",
  description:
    "Read a document (Markdown) by its id (from search_documents or list_documents) or its path. Long documents come in pages: pass nextCursor back as cursor for the rest.",
  input: INPUT,
  output: OUTPUT,
  run(args, { kb }) {
    const page = kb.getDocumentPage(args);
    const { document, text, totalChars, nextCursor } = page;
    const more = nextCursor
      ? `\n\n[The document continues (${totalChars} characters in all): call again with cursor "${nextCursor}"]`
      : "";
    // Most documents open with their title as a heading already: say it once.
    const title = text.trimStart().startsWith(`# ${document.title}`) ? "" : `# ${document.title}\n`;
    return {
      structured: { ...document, text, totalChars, ...(nextCursor ? { nextCursor } : {}) },
      text: `${title}(${document.collection}: ${document.url ?? document.path})\n\n${text}${more}`,
    };
  },
});
