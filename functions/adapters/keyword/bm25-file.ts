/**
 * The keyword index file (bundle format 2). Everything but a small JSON header is typed arrays, so loading is
 * a handful of views over the downloaded bytes, not a parse per posting.
 */
import type { Bm25Params, IndexParts } from "./params.js";

/** With document bounds; the older magic has none (both are read, both written). */
const MAGIC = "THOTHKW3";
const MAGIC_NO_BOUNDS = "THOTHKW2";

/*
 * The file: the magic, a u32 header length and a JSON header, then sections each padded to 4 bytes:
 * vocabulary (UTF-8, "\n"-joined, sorted), chunk offsets/ids/impacts, document offsets/ids/impacts, the
 * document of every chunk, and (THOTHKW3) each document posting's largest chunk impact and each term's
 * document frequency. All integers little-endian.
 */
interface Header {
  params: Bm25Params;
  chunkCount: number;
  docCount: number;
  terms: number;
  chunkPostings: number;
  docPostings: number;
  vocabularyBytes: number;
}

const pad4 = (n: number) => (n + 3) & ~3;

/** What sizes a file: everything but the postings themselves. */
export interface FileShape {
  params: Bm25Params;
  vocabulary: string[];
  chunkCount: number;
  docCount: number;
  chunkPostings: number;
  docPostings: number;
  /** Entries of the chunk → document section: `chunkCount`, unless a test writes a file that breaks it. */
  chunkDocuments: number;
  /** THOTHKW3 (with document bounds) or THOTHKW2. */
  bounds: boolean;
}

/**
 * A file of this shape with its header and vocabulary written, and every other section as a zeroed view into
 * it, for a builder to fill in place: `encode` then hands the same bytes back, with no copy of the postings.
 */
export function allocate(shape: FileShape): { file: Uint8Array; parts: IndexParts } {
  const vocabulary = new TextEncoder().encode(shape.vocabulary.join("\n"));
  const terms = shape.vocabulary.length;
  const header: Header = {
    params: shape.params,
    chunkCount: shape.chunkCount,
    docCount: shape.docCount,
    terms,
    chunkPostings: shape.chunkPostings,
    docPostings: shape.docPostings,
    vocabularyBytes: vocabulary.length,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const magic = shape.bounds ? MAGIC : MAGIC_NO_BOUNDS;
  // Section sizes in bytes, in file order (see the layout above).
  const sizes = [
    vocabulary.length,
    (terms + 1) * 4,
    shape.chunkPostings * 4,
    shape.chunkPostings,
    (terms + 1) * 4,
    shape.docPostings * 4,
    shape.docPostings,
    shape.chunkDocuments * 4,
    ...(shape.bounds ? [shape.docPostings, terms * 4] : []),
  ];
  const start = pad4(magic.length + 4 + headerBytes.length);
  const file = new Uint8Array(sizes.reduce((n, size) => n + pad4(size), start));
  file.set(new TextEncoder().encode(magic), 0);
  new DataView(file.buffer).setUint32(magic.length, headerBytes.length, true);
  file.set(headerBytes, magic.length + 4);
  let at = start;
  const sections = sizes.map((size) => {
    const section = { at, size };
    at += pad4(size);
    return section;
  });
  file.set(vocabulary, sections[0]!.at);
  const u32 = (i: number) => new Uint32Array(file.buffer, sections[i]!.at, sections[i]!.size / 4);
  const u8 = (i: number) => file.subarray(sections[i]!.at, sections[i]!.at + sections[i]!.size);
  const parts: IndexParts = {
    params: shape.params,
    vocabulary: shape.vocabulary,
    chunkCount: shape.chunkCount,
    docCount: shape.docCount,
    chunk: { offsets: u32(1), ids: u32(2), impacts: u8(3) },
    doc: { offsets: u32(4), ids: u32(5), impacts: u8(6) },
    docOfChunk: u32(7),
    ...(shape.bounds ? { bounds: { maxChunkImpact: u8(8), df: u32(9) } } : {}),
  };
  return { file, parts };
}

/** A new file with the parts copied in (an index built in place already has its file: `allocate`). */
export function encode(p: IndexParts): Uint8Array {
  const { file, parts: out } = allocate({
    ...p,
    chunkPostings: p.chunk.ids.length,
    docPostings: p.doc.ids.length,
    chunkDocuments: p.docOfChunk.length,
    bounds: !!p.bounds,
  });
  for (const [to, from] of [
    [out.chunk.offsets, p.chunk.offsets],
    [out.chunk.ids, p.chunk.ids],
    [out.chunk.impacts, p.chunk.impacts],
    [out.doc.offsets, p.doc.offsets],
    [out.doc.ids, p.doc.ids],
    [out.doc.impacts, p.doc.impacts],
    [out.docOfChunk, p.docOfChunk],
    ...(p.bounds && out.bounds
      ? [
          [out.bounds.maxChunkImpact, p.bounds.maxChunkImpact],
          [out.bounds.df, p.bounds.df],
        ]
      : []),
  ] as [Uint32Array | Uint8Array, Uint32Array | Uint8Array][])
    to.set(from);
  return file;
}

export class KeywordIndexFormatError extends Error {}

export function decode(bytes: Uint8Array): IndexParts {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC && magic !== MAGIC_NO_BOUNDS) {
    throw new KeywordIndexFormatError("not a Thoth keyword index (format 2)");
  }
  // Typed-array views need 4-byte alignment: copy once if the bytes sit at an odd offset.
  if (bytes.byteOffset % 4) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)),
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
  let at = pad4(MAGIC.length + 4 + headerLength);
  const take = (length: number) => {
    if (at + length > bytes.length) throw new KeywordIndexFormatError("keyword index is truncated");
    const s = bytes.subarray(at, at + length);
    at += pad4(length);
    return s;
  };
  const u32At = (n: number) => {
    const s = take(n * 4);
    return new Uint32Array(s.buffer, s.byteOffset, n);
  };
  const vocabularyText = new TextDecoder().decode(take(header.vocabularyBytes));
  const vocabulary = header.terms ? vocabularyText.split("\n") : [];
  if (vocabulary.length !== header.terms)
    throw new KeywordIndexFormatError("keyword index vocabulary is corrupt");
  const chunk = {
    offsets: u32At(header.terms + 1),
    ids: u32At(header.chunkPostings),
    impacts: take(header.chunkPostings),
  };
  const doc = {
    offsets: u32At(header.terms + 1),
    ids: u32At(header.docPostings),
    impacts: take(header.docPostings),
  };
  const docOfChunk = u32At(header.chunkCount);
  const bounds =
    magic === MAGIC ? { maxChunkImpact: take(header.docPostings), df: u32At(header.terms) } : undefined;
  const parts: IndexParts = {
    params: header.params,
    vocabulary,
    chunkCount: header.chunkCount,
    docCount: header.docCount,
    chunk,
    doc,
    docOfChunk,
    ...(bounds ? { bounds } : {}),
  };
  validate(parts);
  return parts;
}

/**
 * The checksums say the file is what was published, not that what was published is sound: a search trusts
 * every offset and id (one posting offset set to 0xfffffff0 froze a server), so they are checked once, when a
 * version is opened, in one linear pass, and a file that breaks them is refused like an unknown format.
 */
function validate(p: IndexParts): void {
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
