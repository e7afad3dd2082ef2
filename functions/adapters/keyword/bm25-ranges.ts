/**
 * A term-major keyword index file (bm25-terms.ts) read by range, for a server's first answers while the whole
 * file comes in: the header, then the directory (vocabulary, offsets, block starts, chunk documents), then one
 * range per query term. The index it gives for a query holds that query's terms alone and ranks exactly as the
 * whole index does (the counts and frequencies are the whole index's).
 */
import { HeaderBeyond, MAGIC_TERMS, readHeader, type Header } from "./bm25-format.js";
import { Bm25Index, queryTerms } from "./bm25-index.js";
import { blockRange, layout, partsFromBlocks, readDirectory, type Directory } from "./bm25-terms.js";

/** Bytes `[start, end)` of the file. */
export type ReadRange = (start: number, end: number) => Promise<Uint8Array>;

/** The first read: enough for any header written so far (a few hundred bytes), and for small directories. */
const FIRST_READ = 64 * 1024;
/** Term blocks kept between queries (a block is a term's postings: bytes to hundreds of KB). */
const CACHED_BLOCKS = 256;

export class RangedBm25 {
  readonly #blocks = new Map<number, Promise<Uint8Array>>();

  private constructor(
    private readonly header: Header,
    private readonly directory: Directory,
    private readonly directoryEnd: number,
    private readonly read: ReadRange,
  ) {}

  /**
   * Reads the header and the directory (one range when the directory fits in the first read, else two), or
   * returns `undefined` for a section-major file, which has to be read whole.
   */
  static async open(read: ReadRange): Promise<RangedBm25 | undefined> {
    let first = await read(0, FIRST_READ);
    let head: ReturnType<typeof readHeader>;
    try {
      head = readHeader(first);
    } catch (error) {
      if (!(error instanceof HeaderBeyond)) throw error;
      first = await read(0, error.bytes);
      head = readHeader(first);
    }
    if (head.magic !== MAGIC_TERMS) return undefined;
    const { start, end } = layout(head.header, head.at);
    const directory =
      end <= first.length ? first.subarray(start, end) : await read(start, end).then((b) => b.slice());
    return new RangedBm25(head.header, readDirectory(head.header, directory), end, read);
  }

  get size(): number {
    return this.header.chunkCount;
  }

  /** The document ordinal of a chunk (from the directory). */
  docOf(label: number): number {
    if (!(label >= 0 && label < this.header.chunkCount)) throw new RangeError(`no chunk ${label}`);
    return this.directory.docOfChunk[label]!;
  }

  /** An index of the query's terms alone, their blocks read by range (in parallel, and kept for later queries). */
  async forQuery(query: string): Promise<Bm25Index> {
    const d = this.directory;
    const terms = queryTerms(query, d.vocabulary, (t) => d.chunkOffsets[t + 1]! - d.chunkOffsets[t]!);
    const blocks = await Promise.all(terms.map((t) => this.#block(t)));
    return new Bm25Index(partsFromBlocks(this.header, d, terms, blocks));
  }

  #block(t: number): Promise<Uint8Array> {
    let block = this.#blocks.get(t);
    if (!block) {
      const [start, end] = blockRange(this.directory, this.directoryEnd, t);
      block = this.read(start, end);
      // A failed read is not kept: the next query tries again.
      block.catch(() => this.#blocks.delete(t));
      this.#blocks.set(t, block);
      if (this.#blocks.size > CACHED_BLOCKS) this.#blocks.delete(this.#blocks.keys().next().value!);
    }
    return block;
  }
}
