import { z } from "zod";
import { SOURCE_TYPES } from "../../../shared/types.js";

/** Output fields shared by the tools that describe a document. */
export const DocumentListingShape = {
  collection: z.string(),
  id: z.string(),
  path: z.string(),
  title: z.string(),
  url: z.string().optional(),
  source: z.enum(SOURCE_TYPES),
  updatedAt: z.string().optional(),
  type: z.string().optional(),
  description: z.string().optional(),
};

/** Every Thoth tool only reads, and only from the indexed bundles. */
export const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;
