import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { fetchId } from "./search.js";
import { documentUri } from "../resources/documents.js";

/** The most text one fetch returns; a longer document says so in its metadata, and get_document pages it. */
const FETCH_MAX_CHARS = 100_000;

/**
 * `fetch`: ChatGPT's companion to `search`, `fetch(id)` answering `{ id, title, text, url, metadata }` (OpenAI's
 * MCP contract): a thin view of get_document, scoped by the caller's key. Takes a `search` id
 * (`<collection>/<document id>`) or a bare document id.
 */
export const fetchTool = defineTool({
  name: "fetch",
  title: "Fetch document (ChatGPT)",
  description:
    "Read a whole document by an id from search. Returns its title, text, URL and metadata. (get_document reads by id or path, in pages.)",
  input: { id: z.string().min(1).max(400).describe("An id from search") },
  output: {
    id: z.string(),
    title: z.string(),
    text: z.string(),
    url: z.string(),
    metadata: z.record(z.string(), z.string()),
  },
  run({ id }, { kb }) {
    const slash = id.lastIndexOf("/");
    const ref = slash > 0 ? { collection: id.slice(0, slash), id: id.slice(slash + 1) } : { id };
    const { document, text, totalChars, nextCursor } = kb.getDocumentPage({
      ...ref,
      maxChars: FETCH_MAX_CHARS,
    });
    const metadata: Record<string, string> = {
      collection: document.collection,
      path: document.path,
      source: document.source,
      ...(document.updatedAt ? { updatedAt: document.updatedAt } : {}),
      ...(document.type ? { type: document.type } : {}),
      ...(nextCursor
        ? {
            truncated: `the first ${text.length} of ${totalChars} characters; read the rest with get_document (id ${document.id}, cursor ${nextCursor})`,
          }
        : {}),
    };
    const answer = {
      id: fetchId(document.collection, document.id),
      title: document.title,
      text,
      url: document.url ?? documentUri(document.collection, document.id),
      metadata,
    };
    return { structured: answer, text: JSON.stringify(answer) };
  },
});
