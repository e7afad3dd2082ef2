import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { documentUri } from "../resources/documents.js";
import { SEARCH_MODES, SOURCE_TYPES } from "../../../shared/types.js";
import { citation } from "../../core/citation.js";
import { SearchHitSchema } from "../../core/contracts.js";
import { MAX_QUERY_TERMS } from "../../core/ports.js";
import { DEFAULT_PER_DOCUMENT, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from "../../core/read-model.js";

export const MAX_QUERY_LENGTH = 1000;

const INPUT = {
  query: z
    .string()
    .min(1)
    .max(MAX_QUERY_LENGTH)
    .describe(
      `What to look for, in natural language or keywords (keyword ranking uses at most ${MAX_QUERY_TERMS} distinct words, the rarest)`,
    ),
  collection: z.string().optional().describe("Search only this collection (see list_collections)"),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_SEARCH_LIMIT)
    .default(DEFAULT_SEARCH_LIMIT)
    .describe("How many results"),
  mode: z
    .enum(SEARCH_MODES)
    .optional()
    .describe(
      "hybrid (the default) fuses semantic and keyword ranking; semantic uses embeddings only; keyword uses BM25 only",
    ),
  perDocument: z
    .number()
    .int()
    .min(1)
    .max(MAX_SEARCH_LIMIT)
    .default(DEFAULT_PER_DOCUMENT)
    .describe("At most this many passages of one document; raise it to see more of one document"),
  pathPrefix: z.string().optional().describe("Only documents whose path starts with this"),
  source: z.enum(SOURCE_TYPES).optional().describe("Only documents from this kind of source"),
  type: z
    .string()
    .max(100)
    .optional()
    .describe("Only documents of this type, e.g. workbook or dataset (Sigma)"),
};

const OUTPUT = {
  mode: z.enum(SEARCH_MODES),
  results: z.array(SearchHitSchema),
  notices: z.array(z.string()),
};

/** `search_documents`: hybrid (default), semantic or keyword search with citations. */
export const searchDocumentsTool = defineTool({
  name: "search_documents",
  title: "Search documents",
  description:
    "Search the indexed knowledge base. Returns the best-matching passages with their document id, title, path, heading and a snippet, for citation. Use get_document with a result's id to read the whole document.",
  input: INPUT,
  output: OUTPUT,
  async run(args, { kb }) {
    const { mode, results: hits, notices } = await kb.search(args);
    const lines = hits.map(
      (h, i) => `${i + 1}. ${citation(h)} [id ${h.id}, score ${h.score}]\n   ${h.snippet}`,
    );
    const text = [
      hits.length
        ? `${hits.length} result(s) for "${args.query}" (${mode}):`
        : `No results for "${args.query}" (${mode}).`,
      ...lines,
      ...notices.map((n) => `Note: ${n}`),
    ].join("\n");
    // One link per document, in rank order: clients that follow links open the whole document from here.
    const seen = new Set<string>();
    const links = hits.flatMap((h) => {
      const uri = documentUri(h.collection, h.id);
      if (seen.has(uri)) return [];
      seen.add(uri);
      return [
        {
          type: "resource_link" as const,
          uri,
          name: `${h.collection}/${h.path}`,
          title: h.title,
          mimeType: "text/markdown",
        },
      ];
    });
    return { structured: { mode, results: hits, notices }, text, links };
  },
});
