/**
 * Prompts that make the server easy to use well from any client, with completions for their arguments: `ask`
 * (search, read the best documents, answer with citations) and `summarize_document`. Both respect the API
 * key's allowlist: a collection or document outside it is refused, and completions only offer what it may read.
 */
import { completable, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { documentFacts } from "../core/documents.js";
import type { ServerDeps } from "./deps.js";
import { asProtocolErrors } from "./protocol-errors.js";

export function registerPrompts(server: McpServer, { kb }: ServerDeps): void {
  // The completable wraps the string; optional goes outside it (the SDK reads completions from the inner schema).
  const collection = completable(
    z.string().describe("Search only this collection (see list_collections)"),
    (value) => kb.completeCollection(value ?? ""),
  ).optional();
  server.registerPrompt(
    "ask",
    {
      title: "Ask the knowledge base",
      description: "Answer a question from the indexed documents, with citations (title and URL or path).",
      argsSchema: { question: z.string().describe("The question to answer"), collection },
    },
    ({ question, collection: name }) => {
      // Refuses a collection the key may not read, or that does not exist.
      if (name) asProtocolErrors(() => kb.collection(name));
      const where = name ? ` in the "${name}" collection` : "";
      return {
        description: `Answer "${question}" from the knowledge base`,
        messages: [
          {
            role: "user",
            content: {
              type: "text",
              text:
                `Answer this question from the Thoth knowledge base${where}: ${question}\n\n` +
                `1. Call search_documents with the question${name ? ` and collection "${name}"` : ""}.\n` +
                "2. Read the most relevant results in full with get_document (by their id).\n" +
                "3. Answer only from what you read. Cite every source by title and URL (or path when there is no " +
                "URL). If the documents do not answer the question, say so.",
            },
          },
        ],
      };
    },
  );
  server.registerPrompt(
    "summarize_document",
    {
      title: "Summarize a document",
      description: "Summarize one indexed document, by its id or path.",
      argsSchema: {
        document: completable(z.string().describe("The document's id or path"), (value) =>
          kb.completeDocument(value ?? "", { paths: true }),
        ),
      },
    },
    ({ document }) => {
      const found = asProtocolErrors(() =>
        kb.getDocument(/^[0-9a-f]{16}$/.test(document) ? { id: document } : { path: document }),
      );
      const { title, path, url } = documentFacts(found.collection, found.document);
      return {
        description: `Summarize "${title}"`,
        messages: [
          {
            role: "user",
            content: {
              type: "text",
              text:
                `Summarize the document "${title}" (${url ?? path}) from the Thoth knowledge base. Read it with ` +
                `get_document (id ${found.document.id}; follow nextCursor until the end), then give a short ` +
                "summary and its key points, citing the document by title and URL or path.",
            },
          },
        ],
      };
    },
  );
}
