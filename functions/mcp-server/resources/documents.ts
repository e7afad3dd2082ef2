import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/server";
import type { ServerDeps } from "../deps.js";
import { asProtocolErrors } from "../protocol-errors.js";
import { replaceResourceListing } from "../sdk-overrides.js";

const PAGE_SIZE = 100;

export function documentUri(collection: string, id: string): string {
  return `thoth://${encodeURIComponent(collection)}/${encodeURIComponent(id)}`;
}

function decode(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value.join("/") : (value ?? "");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Documents as MCP resources, `thoth://<collection>/<doc-id>` (text/markdown), with a resource template and a
 * listing paged by cursor. The caller's collection scope applies to both.
 */
export function registerDocumentResources(server: McpServer, { kb }: ServerDeps): void {
  server.registerResource(
    "document",
    new ResourceTemplate("thoth://{collection}/{id}", {
      list: undefined,
      // Only what the caller's key may read: its collections, then documents of the chosen one.
      complete: {
        collection: (value) => kb.completeCollection(value),
        id: (value, context) => kb.completeDocument(value, { collection: context?.arguments?.collection }),
      },
    }),
    {
      title: "Indexed document",
      description:
        "A document of a Thoth collection, as Markdown. List them with resources/list or list_documents.",
      mimeType: "text/markdown",
    },
    async (uri, variables) => {
      const collection = decode(variables.collection);
      const id = decode(variables.id);
      return asProtocolErrors(() => {
        const { text } = kb.getDocument({ id, collection });
        return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: text() }] };
      });
    },
  );
  // The SDK's listing (installed above) is unpaged; this one pages through every document.
  replaceResourceListing(server, (cursor) =>
    asProtocolErrors(() => {
      const page = kb.listDocuments({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      return {
        resources: page.documents.map((d) => ({
          uri: documentUri(d.collection, d.id),
          name: `${d.collection}/${d.path}`,
          title: d.title,
          mimeType: "text/markdown",
          ...(d.description ? { description: d.description } : {}),
        })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    }),
  );
}
