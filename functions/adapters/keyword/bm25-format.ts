/**
 * What every keyword index file shares (bm25-file.ts has the formats): the magic, the JSON header, and the
 * soundness checks a file passes when opened.
 */
import type { Bm25Params, IndexParts } from "./params.js";

/** Term-major, with document bounds (bm25-terms.ts). */
export const MAGIC_TERMS = "THOTHKW4";
/** Section-major with document bounds (bm25-sections.ts); the older magic has none. */
export const MAGIC_SECTIONS = "THOTHKW3";
export const MAGIC_NO_BOUNDS = "THOTHKW2";

export interface Header {
  params: Bm25Params;
  chunkCount: number;
  docCount: number;
  terms: number;
  chunkPostings: number;
  docPostings: number;
  vocabularyBytes: number;
  /** THOTHKW4: the postings blocks' length in 4-byte words. */
  blockWords?: number;
}

export const pad4 = (n: number) => (n + 3) & ~3;

export class KeywordIndexFormatError extends Error {}

/** The header as JSON bytes after the magic and their u32 length; returns where what follows starts. */
export function writeHeader(file: Uint8Array, magic: string, headerBytes: Uint8Array): number {
  file.set(new TextEncoder().encode(magic), 0);
  new DataView(file.buffer, file.byteOffset).setUint32(magic.length, headerBytes.length, true);
  file.set(headerBytes, magic.length + 4);
  return pad4(magic.length + 4 + headerBytes.length);
}

/** The magic, header and where what follows it starts, from the first bytes of a keyword index file. */
export function readHeader(bytes: Uint8Array): { magic: string; header: Header; at: number } {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC_TERMS.length));
  if (magic !== MAGIC_SECTIONS && magic !== MAGIC_NO_BOUNDS && magic !== MAGIC_TERMS) {
    throw new KeywordIndexFormatError("not a Thoth keyword index (format 2 or 3)");
  }
  if (bytes.length < MAGIC_TERMS.length + 4) throw new KeywordIndexFormatError("keyword index is truncated");
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    MAGIC_TERMS.length,
    true,
  );
  // A header longer than the bytes at hand: the caller reads this much and asks again.
  const at = pad4(MAGIC_TERMS.length + 4 + headerLength);
  if (at > bytes.length) throw new HeaderBeyond(at);
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC_TERMS.length + 4, MAGIC_TERMS.length + 4 + headerLength)),
    ) as Header;
  } catch {
    throw new KeywordIndexFormatError("keyword index header is corrupt");
  }
  const sizes = [
    "chunkCount",
    "docCount",
    "terms",
    "chunkPostings",
    "docPostings",
    "vocabularyBytes",
  ] as const;
  if (!sizes.every((k) => Number.isSafeInteger(header?.[k]) && header[k] >= 0))
    throw new KeywordIndexFormatError("keyword index header is corrupt");
  return { magic, header, at };
}

/** Thrown by `readHeader` when the header runs past the bytes given: `bytes` is how many it needs. */
export class HeaderBeyond extends Error {
  constructor(readonly bytes: number) {
    super(`the keyword index header needs the first ${bytes} bytes`);
  }
}

/** The vocabulary section's terms. */
export function splitVocabulary(bytes: Uint8Array, terms: number): string[] {
  const vocabulary = terms ? new TextDecoder().decode(bytes).split("\n") : [];
  if (vocabulary.length !== terms) throw new KeywordIndexFormatError("keyword index vocabulary is corrupt");
  return vocabulary;
}

/**
 * The checksums say the file is what was published, not that what was published is sound: a search trusts
 * every offset and id (one posting offset set to 0xfffffff0 froze a server), so they are checked once, when a
 * version is opened, in one linear pass, and a file that breaks them is refused like an unknown format.
 */
export function validate(p: IndexParts): void {
  const fail = (what: string) => {
    throw new KeywordIndexFormatError(`keyword index is corrupt: ${what}`);
  };
  const counts = [p.chunkCount, p.docCount];
  if (!counts.every((n) => Number.isSafeInteger(n) && n >= 0)) fail("bad chunk or document count");
  const numbers = [p.params?.k1, p.params?.doc?.k1, p.params?.doc?.b, p.params?.doc?.weight];
  for (const f of ["title", "heading", "text"] as const)
    numbers.push(p.params?.fields?.[f]?.weight, p.params?.fields?.[f]?.b);
  if (!numbers.every((n) => typeof n === "number" && Number.isFinite(n))) fail("bad scoring parameters");
  for (let t = 1; t < p.vocabulary.length; t++)
    if (!(p.vocabulary[t - 1]! < p.vocabulary[t]!)) fail("vocabulary not sorted");
  const postings = (name: string, q: { offsets: Uint32Array; ids: Uint32Array }, idLimit: number) => {
    const { offsets, ids } = q;
    if (offsets[0] !== 0 || offsets[offsets.length - 1] !== ids.length) fail(`${name} offsets out of range`);
    for (let t = 0; t + 1 < offsets.length; t++)
      if (offsets[t + 1]! < offsets[t]!) fail(`${name} offsets out of order`);
    for (let t = 0; t + 1 < offsets.length; t++) {
      const start = offsets[t]!;
      const end = offsets[t + 1]!;
      // Ids ascend within a term (galloping relies on it) and stay below the count.
      for (let i = start; i < end; i++) {
        const id = ids[i]!;
        if (id >= idLimit || (i > start && id <= ids[i - 1]!)) fail(`${name} posting ids out of range`);
      }
    }
  };
  postings("chunk", p.chunk, p.chunkCount);
  postings("document", p.doc, p.docCount);
  for (let c = 0; c < p.docOfChunk.length; c++) {
    const d = p.docOfChunk[c]!;
    if (d >= p.docCount || (c > 0 && d < p.docOfChunk[c - 1]!)) fail("chunk documents out of range");
  }
  if (p.bounds) for (const df of p.bounds.df) if (df > p.docCount) fail("document frequencies out of range");
}
