import { DocumentListingSchema } from "../../core/contracts.js";

/** Output fields shared by the tools that describe a document (the listing contract's fields). */
export const DocumentListingShape = DocumentListingSchema.shape;
