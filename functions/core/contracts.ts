/**
 * The shapes that cross boundaries, written once as zod: the TypeScript types are inferred from them and the
 * MCP tools' output schemas are built from them, so a field added here reaches both.
 */
import { z } from "zod";
import { SOURCE_TYPES } from "../../shared/types.js";

/** Who a document is and where it came from: in every listing and in the document cache. */
export const DocumentFactsSchema = z.object({
  collection: z.string(),
  id: z.string(),
  path: z.string(),
  title: z.string(),
  url: z.string().optional(),
  source: z.enum(SOURCE_TYPES),
  updatedAt: z.string().optional(),
});

/** A document as listings show it: its facts, and the source's type and description where it has them. */
export const DocumentListingSchema = DocumentFactsSchema.extend({
  /** The source's document type, e.g. Sigma's `workbook`. */
  type: z.string().optional(),
  description: z.string().optional(),
});
export type DocumentListing = z.infer<typeof DocumentListingSchema>;

/** A document-cache entry: the facts plus the source's metadata (Sigma `type`, `description`, …). */
export const CachedDocumentSchema = DocumentFactsSchema.extend({
  metadata: z.record(z.string(), z.string()).optional(),
});
export type CachedDocument = z.infer<typeof CachedDocumentSchema>;

/** One search result, with what a citation needs. */
export const SearchHitSchema = z.object({
  collection: z.string(),
  id: z.string(),
  title: z.string(),
  path: z.string(),
  url: z.string().optional(),
  source: z.enum(SOURCE_TYPES),
  heading: z.string(),
  snippet: z.string(),
  score: z.number(),
  type: z.string().optional(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;
