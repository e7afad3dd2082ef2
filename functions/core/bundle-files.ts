/**
 * Format 2's binary bundle files, read without parsing everything up front:
 *
 *   texts.bin   every document's and chunk's text, UTF-8, in independently deflated 16 KiB blocks; a text is
 *               read by its byte range, inflating only the blocks it spans (the last few are cached).
 *   chunks.bin  per chunk: its document's position, heading path (an index into a table of distinct paths),
 *               token count and text range, as typed arrays.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { BundleIntegrityError } from "./errors.js";

/** Where a text sits in the uncompressed stream of texts.bin. */
export interface TextRef {
  start: number;
  length: number;
}

const TEXTS_MAGIC = "THOTHTX2";
const CHUNKS_MAGIC = "THOTHCK2";
const BLOCK = 16 * 1024;
const CACHED_BLOCKS = 64;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends texts and cuts the stream into compressed blocks as it fills (memory: one block, plus output). */
export class TextStoreWriter {
  readonly #blocks: Uint8Array[] = [];
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #total = 0;

  append(text: string): TextRef {
    const bytes = encoder.encode(text);
    const ref = { start: this.#total, length: bytes.length };
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(BLOCK - this.#pendingBytes, bytes.length - at);
      this.#pending.push(bytes.subarray(at, at + take));
      this.#pendingBytes += take;
      at += take;
      if (this.#pendingBytes === BLOCK) this.#cut();
    }
    this.#total += bytes.length;
    return ref;
  }

  #cut(): void {
    if (!this.#pendingBytes) return;
    const block = new Uint8Array(this.#pendingBytes);
    let at = 0;
    for (const part of this.#pending) {
      block.set(part, at);
      at += part.length;
    }
    this.#blocks.push(deflateRawSync(block, { level: 1 }));
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** The file: magic, u32 header length, JSON header, u32 compressed offsets (blocks + 1), the blocks. */
  finish(): Uint8Array {
    this.#cut();
    const header = encoder.encode(
      JSON.stringify({ block: BLOCK, blocks: this.#blocks.length, bytes: this.#total }),
    );
    const offsets = new Uint32Array(this.#blocks.length + 1);
    this.#blocks.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
    const start = pad4(TEXTS_MAGIC.length + 4 + header.length);
    const dataAt = start + offsets.byteLength;
    const out = new Uint8Array(dataAt + offsets[this.#blocks.length]!);
    out.set(encoder.encode(TEXTS_MAGIC), 0);
    new DataView(out.buffer).setUint32(TEXTS_MAGIC.length, header.length, true);
    out.set(header, TEXTS_MAGIC.length + 4);
    out.set(new Uint8Array(offsets.buffer), start);
    this.#blocks.forEach((b, i) => out.set(b, dataAt + offsets[i]!));
    return out;
  }
}

/** Reads texts.bin by byte range. Holds the compressed file; inflates blocks on demand. */
export class TextStore {
  readonly #cache = new Map<number, Uint8Array>();

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly offsets: Uint32Array,
    private readonly dataAt: number,
    private readonly total: number,
  ) {}

  static open(bytes: Uint8Array, name = "texts.bin"): TextStore {
    const { header, at } = readHeader<{ block: number; blocks: number; bytes: number }>(
      bytes,
      TEXTS_MAGIC,
      name,
    );
    if (header.block !== BLOCK)
      throw new BundleIntegrityError(`${name} uses blocks of ${header.block} bytes`);
    const offsetsBytes = bytes.slice(at, at + (header.blocks + 1) * 4);
    const offsets = new Uint32Array(offsetsBytes.buffer, 0, header.blocks + 1);
    const dataAt = at + offsetsBytes.length;
    if (dataAt + offsets[header.blocks]! !== bytes.length)
      throw new BundleIntegrityError(`${name} is truncated`);
    return new TextStore(bytes, offsets, dataAt, header.bytes);
  }

  read(ref: TextRef): string {
    if (ref.start < 0 || ref.start + ref.length > this.total) {
      throw new BundleIntegrityError(`a text range (${ref.start}+${ref.length}) is outside texts.bin`);
    }
    if (!ref.length) return "";
    const first = Math.floor(ref.start / BLOCK);
    const last = Math.floor((ref.start + ref.length - 1) / BLOCK);
    if (first === last) {
      const offset = ref.start - first * BLOCK;
      return decoder.decode(this.#block(first).subarray(offset, offset + ref.length));
    }
    const out = new Uint8Array(ref.length);
    let written = 0;
    for (let b = first; b <= last; b++) {
      const block = this.#block(b);
      const from = b === first ? ref.start - first * BLOCK : 0;
      const to = Math.min(block.length, from + ref.length - written);
      out.set(block.subarray(from, to), written);
      written += to - from;
    }
    return decoder.decode(out);
  }

  #block(b: number): Uint8Array {
    let block = this.#cache.get(b);
    if (block) {
      // Most recently used last.
      this.#cache.delete(b);
      this.#cache.set(b, block);
      return block;
    }
    block = inflateRawSync(
      this.bytes.subarray(this.dataAt + this.offsets[b]!, this.dataAt + this.offsets[b + 1]!),
      // One output buffer: zlib's default chunk is 16 KiB, exactly a block, so it would allocate a second one
      // and join the two (55 -> 35 us a block).
      { chunkSize: BLOCK + 64 },
    );
    this.#cache.set(b, block);
    if (this.#cache.size > CACHED_BLOCKS) this.#cache.delete(this.#cache.keys().next().value!);
    return block;
  }
}

/** What a chunk is, apart from its text. */
export interface ChunkEntry {
  /** Position of the chunk's document in the bundle's document list. */
  doc: number;
  headingPath: string[];
  tokens: number;
  text: TextRef;
}

/** The chunks of a version, by label. */
export interface ChunkTable {
  readonly length: number;
  /** Position of the chunk's document in the version's document list. */
  docIndex(label: number): number;
  headingPath(label: number): string[];
  tokens(label: number): number;
  text(label: number): string;
}

export function encodeChunkTable(chunks: readonly ChunkEntry[]): Uint8Array {
  const paths = new Map<string, number>();
  const headings: string[][] = [];
  const n = chunks.length;
  const doc = new Uint32Array(n);
  const heading = new Uint32Array(n);
  const tokens = new Uint32Array(n);
  const start = new Float64Array(n);
  const length = new Uint32Array(n);
  chunks.forEach((c, i) => {
    const key = JSON.stringify(c.headingPath);
    let h = paths.get(key);
    if (h === undefined) {
      paths.set(key, (h = headings.length));
      headings.push(c.headingPath);
    }
    doc[i] = c.doc;
    heading[i] = h;
    tokens[i] = c.tokens;
    start[i] = c.text.start;
    length[i] = c.text.length;
  });
  const header = encoder.encode(JSON.stringify({ count: n, headings }));
  const at = pad8(CHUNKS_MAGIC.length + 4 + header.length);
  const out = new Uint8Array(at + n * (8 + 4 * 4));
  out.set(encoder.encode(CHUNKS_MAGIC), 0);
  new DataView(out.buffer).setUint32(CHUNKS_MAGIC.length, header.length, true);
  out.set(header, CHUNKS_MAGIC.length + 4);
  // Float64 first, so every array is aligned.
  let p = at;
  for (const array of [start, doc, heading, tokens, length]) {
    out.set(new Uint8Array(array.buffer), p);
    p += array.byteLength;
  }
  return out;
}

export function openChunkTable(bytes: Uint8Array, texts: TextStore, name = "chunks.bin"): ChunkTable {
  const { header, at } = readHeader<{ count: number; headings: string[][] }>(bytes, CHUNKS_MAGIC, name);
  const n = header.count;
  const body = at + n * (8 + 16) === bytes.length ? bytes.slice(at) : undefined;
  if (!body) throw new BundleIntegrityError(`${name} is truncated or has trailing bytes`);
  const start = new Float64Array(body.buffer, 0, n);
  const [doc, heading, tokens, length] = [0, 1, 2, 3].map(
    (i) => new Uint32Array(body.buffer, n * 8 + i * n * 4, n),
  ) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  const { headings } = header;
  return {
    length: n,
    docIndex: (label) => doc[label]!,
    headingPath: (label) => headings[heading[label]!]!,
    tokens: (label) => tokens[label]!,
    text: (label) => texts.read({ start: start[label]!, length: length[label]! }),
  };
}

const pad4 = (n: number) => (n + 3) & ~3;
const pad8 = (n: number) => (n + 7) & ~7;

function readHeader<T>(bytes: Uint8Array, magic: string, name: string): { header: T; at: number } {
  if (bytes.length < magic.length + 4 || decoder.decode(bytes.subarray(0, magic.length)) !== magic) {
    throw new BundleIntegrityError(`${name} is not a Thoth bundle file of format 2`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magic.length, true);
  let header: T;
  try {
    header = JSON.parse(decoder.decode(bytes.subarray(magic.length + 4, magic.length + 4 + length))) as T;
  } catch (cause) {
    throw new BundleIntegrityError(`${name} has a corrupt header`, { cause });
  }
  return {
    header,
    at: magic === CHUNKS_MAGIC ? pad8(magic.length + 4 + length) : pad4(magic.length + 4 + length),
  };
}
