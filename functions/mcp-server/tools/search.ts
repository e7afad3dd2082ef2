import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { MAX_QUERY_LENGTH } from "./search-documents.js";
import { documentUri } from "../resources/documents.js";

/** Results `search` returns: documents, not passages (ChatGPT fetches each one it wants whole). */
const SEARCH_RESULTS = 10;

const RESULT = z.object({
  id: z.string().describe("Pass to fetch"),
  title: z.string(),
  url: z.string().describe("The document's own URL, or its thoth:// resource when it has none"),
});

/** The id `search` hands out and `fetch` takes: the collection and the document id, unambiguous across collections. */
export const fetchId = (collection: string, id: string) => `${collection}/${id}`;

/**
 * `search`: the tool ChatGPT connectors and deep research look for, `search(query)` answering
 * `{ results: [{ id, title, url }] }` (OpenAI's MCP contract): a thin view of search_documents, one result per
 * document, scoped by the caller's key like every tool.
 */
export const searchTool = defineTool({
  name: "search",
  title: "Search (ChatGPT)",
  description:
    "Search the knowledge base for documents. Returns ids, titles and URLs; read a result with fetch. (search_documents gives passages with snippets and filters.)",
  input: {
    query: z
      .string()
      .min(1)
      .max(MAX_QUERY_LENGTH)
      .describe("What to look for, in natural language or keywords"),
  },
  output: { results: z.array(RESULT) },
  async run({ query }, { kb }) {
    const { results: hits } = await kb.search({ query, limit: SEARCH_RESULTS, perDocument: 1 });
    const results = hits.map((h) => ({
      id: fetchId(h.collection, h.id),
      title: h.title,
      url: h.url ?? documentUri(h.collection, h.id),
    }));
    // OpenAI's contract: one text item holding the JSON of the results.
    return { structured: { results }, text: JSON.stringify({ results }) };
  },
});
