/**
 * The section-major keyword index files written before term-major ones (bm25-terms.ts), still read: the magic
 * (THOTHKW3; THOTHKW2 without document bounds), a u32 header length and a JSON header, then sections each padded
 * to 4 bytes: vocabulary (UTF-8, "\n"-joined, sorted), chunk offsets/ids/impacts, document offsets/ids/impacts,
 * the document of every chunk, and (THOTHKW3) each document posting's largest chunk impact and each term's
 * document frequency. All integers little-endian. Written only by tests of reading them.
 */
import {
  KeywordIndexFormatError,
  MAGIC_NO_BOUNDS,
  MAGIC_SECTIONS,
  pad4,
  splitVocabulary,
  validate,
  writeHeader,
  type Header,
} from "./bm25-format.js";
import type { Bm25Params, IndexParts } from "./params.js";

/** What sizes a file: everything but the postings themselves. */
interface FileShape {
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

/** A file of this shape with its header and vocabulary written, and every other section as a zeroed view into it. */
function allocate(shape: FileShape): { file: Uint8Array; parts: IndexParts } {
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
  const magic = shape.bounds ? MAGIC_SECTIONS : MAGIC_NO_BOUNDS;
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
  writeHeader(file, magic, headerBytes);
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

/** A THOTHKW3 file (THOTHKW2 without bounds) with the parts copied in: the format before term-major files. */
export function encodeKW3(p: IndexParts): Uint8Array {
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

/** A section-major file's parts, as views over its bytes (aligned to 4), checked. */
export function decodeSections(bytes: Uint8Array, magic: string, header: Header, start: number): IndexParts {
  let at = start;
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
  const vocabulary = splitVocabulary(take(header.vocabularyBytes), header.terms);
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
    magic === MAGIC_SECTIONS
      ? { maxChunkImpact: take(header.docPostings), df: u32At(header.terms) }
      : undefined;
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
