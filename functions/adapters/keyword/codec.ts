/** The keyword index as the KeywordIndex port: Thoth's BM25F + document BM25 index (bundle format 2). */
import type { KeywordIndex, KeywordIndexCodec, KeywordSearchOptions } from "../../core/ports.js";
import { ThreadedBm25Builder } from "./threaded-builder.js";
import { Bm25Index } from "./bm25-index.js";
import { RangedBm25 } from "./bm25-ranges.js";
import { DEFAULT_BM25, type Bm25Params } from "./params.js";
import { IDF_SCALE } from "./params.js";

/** Integer scores back to BM25's usual scale (what clients see as a hit's score). */
const SCORE_UNIT = IDF_SCALE * 255;

class Bm25KeywordIndex implements KeywordIndex {
  constructor(readonly index: Bm25Index) {}

  get size(): number {
    return this.index.size;
  }

  search(query: string, k: number, options: KeywordSearchOptions = {}) {
    return this.index.search(query, k, options).map((s) => ({ label: s.label, score: s.score / SCORE_UNIT }));
  }

  serialize(): Uint8Array {
    return this.index.serialize();
  }
}

export const BM25_INDEX_FILE = "keyword.bin";

/** From this many chunks on, a refresh builds the keyword index on a worker thread (threaded-builder.ts). */
export const KEYWORD_WORKER_CHUNKS = 10_000;

export function bm25Codec(
  params: Bm25Params = DEFAULT_BM25,
  options: { workerFromChunks?: number } = {},
): KeywordIndexCodec {
  return {
    file: BM25_INDEX_FILE,
    builder() {
      const builder = new ThreadedBm25Builder(params, options.workerFromChunks ?? KEYWORD_WORKER_CHUNKS);
      return {
        add: (entry) => {
          if (entry.label !== builder.size) throw new RangeError(`chunk ${entry.label} arrived out of order`);
          builder.add(entry);
        },
        finish: () => builder.finish(),
        abort: () => builder.abort(),
      };
    },
    load: (bytes) => new Bm25KeywordIndex(Bm25Index.load(bytes)),
    async openRanges(read) {
      const ranged = await RangedBm25.open(read);
      return (
        ranged && {
          size: ranged.size,
          forQuery: async (query) => new Bm25KeywordIndex(await ranged.forQuery(query)),
          docOf: (label) => ranged.docOf(label),
        }
      );
    },
  };
}
