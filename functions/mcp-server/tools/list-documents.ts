import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { SOURCE_TYPES } from "../../../shared/types.js";
import { DocumentListingShape } from "./schemas.js";

const INPUT = {
  collection: z.string().optional(),
  pathPrefix: z.string().optional().describe("Only paths starting with this, e.g. security/"),
  source: z.enum(SOURCE_TYPES).optional(),
  type: z
    .string()
    .max(100)
    .optional()
    .describe("Only documents of this source type, e.g. workbook or dataset (Sigma)"),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().describe("nextCursor from the previous page"),
};

const OUTPUT = {
  documents: z.array(z.object(DocumentListingShape)),
  total: z.number().int(),
  /** Position of the page's first document in the whole listing (0 on the first page). */
  offset: z.number().int(),
  nextCursor: z.string().optional(),
};

/** `list_documents`: a paged listing of documents, filtered by collection, path prefix or source. */
export const listDocumentsTool = defineTool({
  name: "list_documents",
  title: "List documents",
  description:
    "List indexed documents (id, path, title), sorted by path. Filter by collection, path prefix or source type; pass nextCursor back as cursor for the next page.",
  input: INPUT,
  output: OUTPUT,
  run(args, { kb }) {
    const page = kb.listDocuments(args);
    const text = [
      page.documents.length
        ? `Documents ${page.offset + 1}–${page.offset + page.documents.length} of ${page.total}:`
        : `No documents (${page.total} in all).`,
      ...page.documents.map(
        (d) => `- ${d.title}${d.type ? ` (${d.type})` : ""} (${d.collection}: ${d.path}) [id ${d.id}]`,
      ),
      ...(page.nextCursor ? [`More: call again with cursor "${page.nextCursor}".`] : []),
    ].join("\n");
    return { structured: page, text };
  },
});
