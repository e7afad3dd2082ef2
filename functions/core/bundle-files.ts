/**
 * Format 2's binary bundle files, read without parsing everything up front:
 *
 *   texts.bin   every document's and chunk's text, UTF-8, in independently deflated 16 KiB blocks; a text is
 *               read by its byte range, inflating only the blocks it spans (the last few are cached).
 *   chunks.bin  per chunk: its document's position, heading path (an index into a table of distinct paths),
 *               token count and text range, as typed arrays.
 *   cards.bin   per chunk, what a search hit shows of it (its document's facts, heading path, text) as JSON in
 *               texts.bin's block format, found by a table of ranges: a fresh server reads its first hits'
 *               cards by range instead of waiting for documents.json, chunks.bin and texts.bin.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { z } from "zod";
import { StoredDocumentSchema } from "./bundle.js";
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

/** Bytes `[start, end)` of a file (fewer where it ends sooner). */
export type ReadRange = (start: number, end: number) => Promise<Uint8Array>;

/** The first read of a file read by range: enough for its header and, for most, its tables. */
const FIRST_READ = 64 * 1024;

type TextsHeader = { block: number; blocks: number; bytes: number };

/** texts.bin's header, and where its block offsets and its blocks start. */
function textsLayout(bytes: Uint8Array, name: string) {
  const { header, at } = readHeader<TextsHeader>(bytes, TEXTS_MAGIC, name);
  if (header.block !== BLOCK) throw new BundleIntegrityError(`${name} uses blocks of ${header.block} bytes`);
  if (!Number.isSafeInteger(header.blocks) || header.blocks < 0 || !Number.isSafeInteger(header.bytes))
    throw new BundleIntegrityError(`${name} has a corrupt header`);
  return { header, offsetsAt: at, dataAt: at + (header.blocks + 1) * 4 };
}

/** Refuses a text range outside a stream of `total` bytes. */
function checkRef(ref: TextRef, total: number, name: string): void {
  if (ref.start < 0 || ref.start + ref.length > total) {
    throw new BundleIntegrityError(`a text range (${ref.start}+${ref.length}) is outside ${name}`);
  }
}

/** The text at `ref` from blocks of `total` bytes in all, each given by `block(b)`. */
function readText(ref: TextRef, total: number, block: (b: number) => Uint8Array, name: string): string {
  checkRef(ref, total, name);
  if (!ref.length) return "";
  const first = Math.floor(ref.start / BLOCK);
  const last = Math.floor((ref.start + ref.length - 1) / BLOCK);
  if (first === last) {
    const offset = ref.start - first * BLOCK;
    return decoder.decode(block(first).subarray(offset, offset + ref.length));
  }
  const out = new Uint8Array(ref.length);
  let written = 0;
  for (let b = first; b <= last; b++) {
    const bytes = block(b);
    const from = b === first ? ref.start - first * BLOCK : 0;
    const to = Math.min(bytes.length, from + ref.length - written);
    out.set(bytes.subarray(from, to), written);
    written += to - from;
  }
  return decoder.decode(out);
}

/** One block, inflated into one output buffer (zlib's default chunk is 16 KiB: it would allocate and join two). */
const inflateBlock = (compressed: Uint8Array) => inflateRawSync(compressed, { chunkSize: BLOCK + 64 });

/** Most recently used last; the oldest goes beyond CACHED_BLOCKS. */
function remember<T>(cache: Map<number, T>, b: number, value: T): T {
  cache.delete(b);
  cache.set(b, value);
  if (cache.size > CACHED_BLOCKS) cache.delete(cache.keys().next().value!);
  return value;
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
    const { header, offsetsAt, dataAt } = textsLayout(bytes, name);
    const offsetsBytes = bytes.slice(offsetsAt, dataAt);
    if (offsetsBytes.length !== dataAt - offsetsAt) throw new BundleIntegrityError(`${name} is truncated`);
    const offsets = new Uint32Array(offsetsBytes.buffer, 0, header.blocks + 1);
    if (dataAt + offsets[header.blocks]! !== bytes.length)
      throw new BundleIntegrityError(`${name} is truncated`);
    return new TextStore(bytes, offsets, dataAt, header.bytes);
  }

  read(ref: TextRef): string {
    return readText(ref, this.total, (b) => this.#block(b), "texts.bin");
  }

  #block(b: number): Uint8Array {
    const block = this.#cache.get(b);
    if (block) return remember(this.#cache, b, block);
    const compressed = this.bytes.subarray(
      this.dataAt + this.offsets[b]!,
      this.dataAt + this.offsets[b + 1]!,
    );
    return remember(this.#cache, b, inflateBlock(compressed));
  }
}

/**
 * texts.bin's format read by range: the header and block offsets first, then per text the compressed blocks
 * it spans, in one range (the last few blocks are kept).
 */
export class RangedTextStore {
  readonly #cache = new Map<number, Uint8Array>();

  private constructor(
    private readonly read: ReadRange,
    private readonly offsets: Uint32Array,
    private readonly dataAt: number,
    private readonly total: number,
    private readonly name: string,
  ) {}

  /** `first`: the file's first bytes when the caller has them already (else they are read). */
  static async open(read: ReadRange, name = "texts.bin", first?: Uint8Array): Promise<RangedTextStore> {
    first ??= await read(0, FIRST_READ);
    let layout = textsLayout(first, name);
    if (layout.dataAt > first.length) {
      first = await read(0, layout.dataAt);
      layout = textsLayout(first, name);
    }
    const { header, offsetsAt, dataAt } = layout;
    if (dataAt > first.length) throw new BundleIntegrityError(`${name} is truncated`);
    const offsets = new Uint32Array(first.slice(offsetsAt, dataAt).buffer, 0, header.blocks + 1);
    return new RangedTextStore(read, offsets, dataAt, header.bytes, name);
  }

  async text(ref: TextRef): Promise<string> {
    checkRef(ref, this.total, this.name);
    const first = Math.floor(ref.start / BLOCK);
    const last = ref.length ? Math.floor((ref.start + ref.length - 1) / BLOCK) : first - 1;
    const blocks = new Map<number, Uint8Array>();
    for (let b = first; b <= last; b++) {
      const kept = this.#cache.get(b);
      if (kept) blocks.set(b, remember(this.#cache, b, kept));
    }
    if (blocks.size < last - first + 1) {
      // One range from the first block missing to the last (any kept between are read again).
      let [lo, hi] = [first, last];
      while (blocks.has(lo)) lo++;
      while (blocks.has(hi)) hi--;
      const [start, end] = [this.offsets[lo]!, this.offsets[hi + 1]!];
      const bytes = await this.read(this.dataAt + start, this.dataAt + end);
      if (bytes.length !== end - start) throw new BundleIntegrityError(`${this.name} is truncated`);
      for (let b = lo; b <= hi; b++) {
        const block = inflateBlock(bytes.subarray(this.offsets[b]! - start, this.offsets[b + 1]! - start));
        blocks.set(b, remember(this.#cache, b, block));
      }
    }
    return readText(ref, this.total, (b) => blocks.get(b)!, this.name);
  }
}

const CARDS_MAGIC = "THOTHCD1";

/** What a search hit shows of a chunk (cards.bin): its document's position and facts, heading path, text. */
export const ChunkCardSchema = z.object({
  doc: z.number().int().nonnegative(),
  document: StoredDocumentSchema,
  headingPath: z.array(z.string()),
  tokens: z.number().int().nonnegative(),
  text: z.string(),
});
export type ChunkCard = z.infer<typeof ChunkCardSchema>;

/**
 * Writes cards.bin: magic, u32 header length, JSON header ({count}), padded to 8; the cards' ranges in the
 * stream (f64, count + 1: card c is [starts[c], starts[c + 1])); then the stream in texts.bin's format. A
 * document's facts are serialized once and repeated in each of its chunks' cards (deflate folds the repeats).
 */
export class ChunkCardWriter {
  readonly #texts = new TextStoreWriter();
  readonly #starts: number[] = [0];
  #document?: { value: ChunkCard["document"]; json: string };

  add(card: ChunkCard): void {
    if (this.#document?.value !== card.document)
      this.#document = { value: card.document, json: JSON.stringify(card.document) };
    const { doc, headingPath, tokens, text } = card;
    const json = `{"doc":${doc},"document":${this.#document.json},"headingPath":${JSON.stringify(headingPath)},"tokens":${tokens},"text":${JSON.stringify(text)}}`;
    const ref = this.#texts.append(json);
    this.#starts.push(ref.start + ref.length);
  }

  finish(): Uint8Array {
    const stream = this.#texts.finish();
    const count = this.#starts.length - 1;
    const header = encoder.encode(JSON.stringify({ count }));
    const at = pad8(CARDS_MAGIC.length + 4 + header.length);
    const out = new Uint8Array(at + 8 * (count + 1) + stream.length);
    out.set(encoder.encode(CARDS_MAGIC), 0);
    new DataView(out.buffer).setUint32(CARDS_MAGIC.length, header.length, true);
    out.set(header, CARDS_MAGIC.length + 4);
    out.set(new Uint8Array(Float64Array.from(this.#starts).buffer), at);
    out.set(stream, at + 8 * (count + 1));
    return out;
  }
}

/** cards.bin read by range: the header, the ranges table and the stream's block offsets, then a card per hit. */
export class RangedChunkCards {
  private constructor(
    private readonly starts: Float64Array,
    private readonly stream: RangedTextStore,
    private readonly name: string,
  ) {}

  get length(): number {
    return this.starts.length - 1;
  }

  /** Two reads: the first bytes (the header: a count), then the table with the stream's head. */
  static async open(read: ReadRange, name = "cards.bin"): Promise<RangedChunkCards> {
    const head = readHeader<{ count: number }>(await read(0, FIRST_READ), CARDS_MAGIC, name);
    const count = head.header.count;
    if (!Number.isSafeInteger(count) || count < 0)
      throw new BundleIntegrityError(`${name} has a corrupt header`);
    const streamAt = head.at + 8 * (count + 1);
    const table = await read(head.at, streamAt + FIRST_READ);
    if (table.length < streamAt - head.at) throw new BundleIntegrityError(`${name} is truncated`);
    const starts = new Float64Array(table.slice(0, streamAt - head.at).buffer);
    for (let c = 0; c < count; c++)
      if (!(starts[c]! <= starts[c + 1]!)) throw new BundleIntegrityError(`${name} has a corrupt table`);
    const stream = await RangedTextStore.open(
      (start, end) => read(streamAt + start, streamAt + end),
      name,
      table.subarray(streamAt - head.at),
    );
    return new RangedChunkCards(starts, stream, name);
  }

  async card(label: number): Promise<ChunkCard> {
    if (!(label >= 0 && label < this.length))
      throw new BundleIntegrityError(`${this.name} has no card ${label}`);
    const start = this.starts[label]!;
    const json = await this.stream.text({ start, length: this.starts[label + 1]! - start });
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (cause) {
      throw new BundleIntegrityError(`${this.name}: card ${label} is not valid JSON`, { cause });
    }
    const parsed = ChunkCardSchema.safeParse(value);
    if (!parsed.success)
      throw new BundleIntegrityError(`${this.name}: card ${label} does not match its format`);
    return parsed.data;
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
    at: magic === TEXTS_MAGIC ? pad4(magic.length + 4 + length) : pad8(magic.length + 4 + length),
  };
}
