/**
 * The keyword index file, read and written: term-major THOTHKW4 now (bm25-terms.ts), section-major THOTHKW3 and
 * THOTHKW2 before (bm25-sections.ts, still read). Everything but a small JSON header is typed arrays and bytes,
 * so loading is a copy of blocks or views over the downloaded bytes, never a parse per posting.
 */
import { HeaderBeyond, KeywordIndexFormatError, MAGIC_TERMS, readHeader } from "./bm25-format.js";
import { decodeSections, encodeKW3 } from "./bm25-sections.js";
import { decodeTermMajor, encodeTermMajor } from "./bm25-terms.js";
import type { IndexParts } from "./params.js";

export { KeywordIndexFormatError, encodeKW3 };

/** The file for these parts: term-major, or THOTHKW2 for parts without document bounds. */
export function encode(p: IndexParts): Uint8Array {
  return p.bounds ? encodeTermMajor({ ...p, bounds: p.bounds }) : encodeKW3(p);
}

/** The parts of a keyword index file of any format this server reads, checked (see `validate`). */
export function decode(bytes: Uint8Array): IndexParts {
  // Typed-array views need 4-byte alignment: copy once if the bytes sit at an odd offset.
  if (bytes.byteOffset % 4) bytes = bytes.slice();
  let read: ReturnType<typeof readHeader>;
  try {
    read = readHeader(bytes);
  } catch (error) {
    if (error instanceof HeaderBeyond) throw new KeywordIndexFormatError("keyword index is truncated");
    throw error;
  }
  const { magic, header, at } = read;
  return magic === MAGIC_TERMS
    ? decodeTermMajor(bytes, header, at)
    : decodeSections(bytes, magic, header, at);
}
