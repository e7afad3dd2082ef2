import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { SEARCH_MODES, SOURCE_TYPES } from "../../../shared/types.js";
import { nothingIndexed } from "../../core/messages.js";

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
export const listCollectionsTool = defineTool({
  name: "list_collections",
  title: "List collections",
  description:
    "List the indexed collections with their document and chunk counts, live version, build time, model and available search modes.",
  input: INPUT,
  output: OUTPUT,
  run(_args, { kb }) {
    const collections = kb.listCollections();
    const text = collections.length
      ? collections
          .map(
            (c) =>
              `- ${c.name}: ${c.documents} documents, ${c.chunks} chunks, version ${c.version} built ${c.builtAt}, modes ${c.modes.join("/")}`,
          )
          .join("\n")
      : `${capitalised(nothingIndexed(kb.scope))}.`;
    return { structured: { collections }, text };
  },
});

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
