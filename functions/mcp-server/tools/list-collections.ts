import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { SEARCH_MODES, SOURCE_TYPES } from "../../../shared/types.js";
import type { ServerDeps } from "../deps.js";
import type { ToolModule } from "./index.js";
import { runTool, toolResult } from "../tool-results.js";
import { READ_ONLY } from "./schemas.js";
import { nothingIndexed } from "../../core/messages.js";

/** Built once per cold start, not per request: the server itself is rebuilt for every request. */
const INPUT = {};

const OUTPUT = {
  collections: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      builtAt: z.string(),
      documents: z.number().int(),
      chunks: z.number().int(),
      model: z.string().nullable(),
      modes: z.array(z.enum(SEARCH_MODES)),
      source: z.object({
        type: z.enum(SOURCE_TYPES),
        origin: z.string(),
        cursor: z.string().optional(),
      }),
    }),
  ),
};

/** `list_collections`: what is indexed, how big, which version, built when and with which model. */
export const listCollectionsTool: ToolModule = {
  name: "list_collections",
  register(server: McpServer, { kb }: ServerDeps): void {
    server.registerTool(
      this.name,
      {
        title: "List collections",
        description:
          "List the indexed collections with their document and chunk counts, live version, build time, model and available search modes.",
        inputSchema: INPUT,
        outputSchema: OUTPUT,
        annotations: READ_ONLY,
      },
      () =>
        runTool("list_collections", () => {
          const collections = kb.listCollections();
          const text = collections.length
            ? collections
                .map(
                  (c) =>
                    `- ${c.name}: ${c.documents} documents, ${c.chunks} chunks, version ${c.version} built ${c.builtAt}, modes ${c.modes.join("/")}`,
                )
                .join("\n")
            : `${capitalised(nothingIndexed(kb.scope))}.`;
          return toolResult({ collections }, text);
        }),
    );
  },
};

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
