import { DocumentListingSchema } from "../../core/contracts.js";

/** Output fields shared by the tools that describe a document (the listing contract's fields). */
export const DocumentListingShape = DocumentListingSchema.shape;

/** Every Thoth tool only reads, and only from the indexed bundles. */
export const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;
