/**
 * The keyword index file written now (THOTHKW4): term-major, so that a query's postings are one byte range per
 * term and a fresh server can answer before the whole file is in (bm25-ranges.ts).
 *
 *   the magic, a u32 header length and a JSON header, padded to 4 bytes; then the directory: the vocabulary
 *   (UTF-8, "\n"-joined, sorted, padded to 4), then u32 arrays: chunk offsets and document offsets (terms + 1
 *   each: term t has postings [offsets[t], offsets[t + 1])), block starts (terms + 1, in 4-byte words after the
 *   directory), each term's document frequency, and the document of every chunk; then one block per term, in
 *   vocabulary order: its chunk ids and document ids (u32), then its chunk impacts, document impacts and each
 *   document posting's largest chunk impact (bytes), padded to 4. All integers little-endian.
 *
 * A builder fills a file in place (`allocate`); a reader copies the blocks into the section-major parts a search
 * runs on (`decodeTermMajor`), all of them or a query's (`partsFromBlocks`).
 */
import {
  KeywordIndexFormatError,
  MAGIC_TERMS,
  pad4,
  splitVocabulary,
  validate,
  writeHeader,
  type Header,
} from "./bm25-format.js";
import type { Bm25Params, IndexParts } from "./params.js";

export interface Directory {
  vocabulary: string[];
  chunkOffsets: Uint32Array;
  docOffsets: Uint32Array;
  /** Per term (and one past the last): where its block starts, in 4-byte words after the directory. */
  blocks: Uint32Array;
  df: Uint32Array;
  docOfChunk: Uint32Array;
}

/** A block's length in 4-byte words, for n chunk and m document postings. */
const blockWords = (n: number, m: number) => n + m + ((n + 2 * m + 3) >> 2);

/** Where the directory starts and ends (the blocks start), and where the file ends: from the header alone. */
export function layout(header: Header, at: number): { start: number; end: number; fileEnd: number } {
  const end = at + pad4(header.vocabularyBytes) + 4 * (4 * header.terms + 3 + header.chunkCount);
  return { start: at, end, fileEnd: end + 4 * (header.blockWords ?? 0) };
}

/** A file being filled in place: its bytes, the same as u32 words, its directory (views), where blocks start. */
export interface TermMajorFile {
  file: Uint8Array;
  words: Uint32Array;
  directory: Directory;
  /** The word of `file` at which term 0's block starts. */
  blocksWord: number;
}

/** Term t's postings in a file: chunk ids at `words[ids, ids + n)`, document ids after them; impacts likewise. */
export interface BlockPlace {
  /** Word index of the chunk ids; the document ids follow (`ids + n`). */
  ids: number;
  /** Byte index of the chunk impacts; the document impacts follow (`+ n`), then the bounds (`+ n + m`). */
  impacts: number;
  n: number;
  m: number;
}

export function blockPlace(f: Pick<TermMajorFile, "directory" | "blocksWord">, t: number): BlockPlace {
  const { chunkOffsets, docOffsets, blocks } = f.directory;
  const n = chunkOffsets[t + 1]! - chunkOffsets[t]!;
  const m = docOffsets[t + 1]! - docOffsets[t]!;
  const ids = f.blocksWord + blocks[t]!;
  return { ids, impacts: 4 * (ids + n + m), n, m };
}

/**
 * A file for these per-term posting counts: header, vocabulary, offsets and block starts written; document
 * frequencies, chunk documents and blocks zeroed, for the builder to fill (`blockPlace` says where).
 */
export function allocate(shape: {
  params: Bm25Params;
  vocabulary: string[];
  chunkCount: number;
  docCount: number;
  chunkCounts: Uint32Array;
  docCounts: Uint32Array;
}): TermMajorFile {
  const vocabularyBytes = new TextEncoder().encode(shape.vocabulary.join("\n"));
  const terms = shape.vocabulary.length;
  const chunkOffsets = new Uint32Array(terms + 1);
  const docOffsets = new Uint32Array(terms + 1);
  const blocks = new Uint32Array(terms + 1);
  for (let t = 0; t < terms; t++) {
    const [n, m] = [shape.chunkCounts[t]!, shape.docCounts[t]!];
    chunkOffsets[t + 1] = chunkOffsets[t]! + n;
    docOffsets[t + 1] = docOffsets[t]! + m;
    blocks[t + 1] = blocks[t]! + blockWords(n, m);
  }
  const header: Header = {
    params: shape.params,
    chunkCount: shape.chunkCount,
    docCount: shape.docCount,
    terms,
    chunkPostings: chunkOffsets[terms]!,
    docPostings: docOffsets[terms]!,
    vocabularyBytes: vocabularyBytes.length,
    blockWords: blocks[terms]!,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const at = pad4(MAGIC_TERMS.length + 4 + headerBytes.length);
  const { end, fileEnd } = layout(header, at);
  const file = new Uint8Array(fileEnd);
  writeHeader(file, MAGIC_TERMS, headerBytes);
  file.set(vocabularyBytes, at);
  const words = new Uint32Array(file.buffer, 0, fileEnd / 4);
  let w = (at + pad4(vocabularyBytes.length)) / 4;
  const next = (length: number) => words.subarray(w, (w += length));
  const directory: Directory = {
    vocabulary: shape.vocabulary,
    chunkOffsets: next(terms + 1),
    docOffsets: next(terms + 1),
    blocks: next(terms + 1),
    df: next(terms),
    docOfChunk: next(shape.chunkCount),
  };
  directory.chunkOffsets.set(chunkOffsets);
  directory.docOffsets.set(docOffsets);
  directory.blocks.set(blocks);
  return { file, words, directory, blocksWord: end / 4 };
}

/** A term-major file from parts (a section-major file read, or parts made by hand). */
export function encodeTermMajor(p: IndexParts & { bounds: NonNullable<IndexParts["bounds"]> }): Uint8Array {
  const counts = (o: Uint32Array) => o.subarray(1).map((end, t) => end - o[t]!);
  const f = allocate({ ...p, chunkCounts: counts(p.chunk.offsets), docCounts: counts(p.doc.offsets) });
  f.directory.df.set(p.bounds.df);
  f.directory.docOfChunk.set(p.docOfChunk);
  for (let t = 0; t < p.vocabulary.length; t++) {
    const { ids, impacts, n, m } = blockPlace(f, t);
    const [c, d] = [p.chunk.offsets[t]!, p.doc.offsets[t]!];
    f.words.set(p.chunk.ids.subarray(c, c + n), ids);
    f.words.set(p.doc.ids.subarray(d, d + m), ids + n);
    f.file.set(p.chunk.impacts.subarray(c, c + n), impacts);
    f.file.set(p.doc.impacts.subarray(d, d + m), impacts + n);
    f.file.set(p.bounds.maxChunkImpact.subarray(d, d + m), impacts + n + m);
  }
  return f.file;
}

/** Reads a directory from its bytes (`layout`), checking its offsets and block starts against the header. */
export function readDirectory(header: Header, bytes: Uint8Array): Directory {
  // Typed-array views need 4-byte alignment: copy once if the bytes sit at an odd offset.
  if (bytes.byteOffset % 4) bytes = bytes.slice();
  const vocabularyEnd = pad4(header.vocabularyBytes);
  const expected = vocabularyEnd + 4 * (4 * header.terms + 3 + header.chunkCount);
  if (bytes.length !== expected) throw new KeywordIndexFormatError("keyword index is truncated");
  const vocabulary = splitVocabulary(bytes.subarray(0, header.vocabularyBytes), header.terms);
  let w = (bytes.byteOffset + vocabularyEnd) / 4;
  const next = (length: number) => new Uint32Array(bytes.buffer, 4 * ((w += length) - length), length);
  const d: Directory = {
    vocabulary,
    chunkOffsets: next(header.terms + 1),
    docOffsets: next(header.terms + 1),
    blocks: next(header.terms + 1),
    df: next(header.terms),
    docOfChunk: next(header.chunkCount),
  };
  const fail = (what: string) => {
    throw new KeywordIndexFormatError(`keyword index is corrupt: ${what}`);
  };
  const { chunkOffsets: c, docOffsets: m, blocks: b } = d;
  if (c[0] !== 0 || c[header.terms] !== header.chunkPostings) fail("chunk offsets out of range");
  if (m[0] !== 0 || m[header.terms] !== header.docPostings) fail("document offsets out of range");
  if (b[0] !== 0 || b[header.terms] !== header.blockWords) fail("block starts out of range");
  for (let t = 0; t < header.terms; t++) {
    if (c[t + 1]! < c[t]! || m[t + 1]! < m[t]!) fail("offsets out of order");
    if (b[t + 1]! - b[t]! !== blockWords(c[t + 1]! - c[t]!, m[t + 1]! - m[t]!))
      fail("block starts out of order");
  }
  return d;
}

/** The parts, empty, for `terms` terms with these many postings. */
function emptyParts(
  header: Header,
  vocabulary: string[],
  chunkPostings: number,
  docPostings: number,
  docOfChunk: Uint32Array,
): IndexParts {
  const terms = vocabulary.length;
  return {
    params: header.params,
    vocabulary,
    chunkCount: header.chunkCount,
    docCount: header.docCount,
    chunk: {
      offsets: new Uint32Array(terms + 1),
      ids: new Uint32Array(chunkPostings),
      impacts: new Uint8Array(chunkPostings),
    },
    doc: {
      offsets: new Uint32Array(terms + 1),
      ids: new Uint32Array(docPostings),
      impacts: new Uint8Array(docPostings),
    },
    docOfChunk,
    bounds: { maxChunkImpact: new Uint8Array(docPostings), df: new Uint32Array(terms) },
  };
}

/**
 * Term `i`'s block (n chunk and m document postings, its bytes from `at` in `bytes`) into the parts, as their
 * term `i` (whose postings start at the offsets already set for it).
 */
function copyBlock(bytes: Uint8Array, at: number, n: number, m: number, parts: IndexParts, i: number): void {
  const { chunk, doc, bounds } = parts;
  const [c, d] = [chunk.offsets[i]!, doc.offsets[i]!];
  chunk.offsets[i + 1] = c + n;
  doc.offsets[i + 1] = d + m;
  const bytesOf = (a: Uint32Array, from: number, length: number) =>
    new Uint8Array(a.buffer, a.byteOffset + 4 * from, 4 * length);
  bytesOf(chunk.ids, c, n).set(bytes.subarray(at, (at += 4 * n)));
  bytesOf(doc.ids, d, m).set(bytes.subarray(at, (at += 4 * m)));
  chunk.impacts.set(bytes.subarray(at, (at += n)), c);
  doc.impacts.set(bytes.subarray(at, (at += m)), d);
  bounds!.maxChunkImpact.set(bytes.subarray(at, at + m), d);
}

/** A whole term-major file as the parts a search runs on (its blocks copied out), checked. */
export function decodeTermMajor(bytes: Uint8Array, header: Header, at: number): IndexParts {
  const { start, end, fileEnd } = layout(header, at);
  if (fileEnd !== bytes.length) throw new KeywordIndexFormatError("keyword index is truncated");
  const d = readDirectory(header, bytes.subarray(start, end));
  const parts = emptyParts(header, d.vocabulary, header.chunkPostings, header.docPostings, d.docOfChunk);
  parts.bounds!.df.set(d.df);
  for (let t = 0; t < header.terms; t++) {
    const { ids, n, m } = blockPlace({ directory: d, blocksWord: end / 4 }, t);
    copyBlock(bytes, 4 * ids, n, m, parts, t);
  }
  validate(parts);
  return parts;
}

/** Term t's block as a byte range of the file (the directory ends at `directoryEnd`). */
export function blockRange(d: Directory, directoryEnd: number, t: number): [number, number] {
  return [directoryEnd + 4 * d.blocks[t]!, directoryEnd + 4 * d.blocks[t + 1]!];
}

/**
 * The parts of `terms` alone (vocabulary indexes, ascending), from their blocks (`blocks[i]` is term
 * `terms[i]`'s, as `blockRange` reads it): a search for a query whose terms these are ranks exactly as over the
 * whole index, since the counts, posting counts and document frequencies are the whole index's.
 */
export function partsFromBlocks(
  header: Header,
  d: Directory,
  terms: readonly number[],
  blocks: readonly Uint8Array[],
): IndexParts {
  const count = (o: Uint32Array) => terms.reduce((sum, t) => sum + o[t + 1]! - o[t]!, 0);
  const vocabulary = terms.map((t) => d.vocabulary[t]!);
  const parts = emptyParts(header, vocabulary, count(d.chunkOffsets), count(d.docOffsets), d.docOfChunk);
  terms.forEach((t, i) => {
    const [n, m] = [d.chunkOffsets[t + 1]! - d.chunkOffsets[t]!, d.docOffsets[t + 1]! - d.docOffsets[t]!];
    if (blocks[i]!.length !== 4 * blockWords(n, m))
      throw new KeywordIndexFormatError("keyword index is truncated");
    copyBlock(blocks[i]!, 0, n, m, parts, i);
    parts.bounds!.df[i] = d.df[t]!;
  });
  validate(parts);
  return parts;
}
