import type { IndexCodecs } from "../core/ports.js";
import { bm25Codec } from "./keyword/codec.js";
import { minisearchCodec } from "./keyword/minisearch-codec.js";
import { DEFAULT_BM25 } from "./keyword/params.js";
import { hnswCodec } from "./ml/hnsw-vector-index.js";

/**
 * The codecs every writer and reader of bundles uses: hnswlib vectors, the format-2 keyword index, and format
 * 1's for reading older bundles. `keywordWorkerFromChunks`: from how many chunks the keyword index is built in
 * a worker thread (THOTH_KEYWORD_WORKER_CHUNKS; the codec's default when not given).
 */
export function indexCodecs(keywordWorkerFromChunks?: number): Required<IndexCodecs> {
  return {
    vectorCodec: hnswCodec(),
    keywordCodec: bm25Codec(
      DEFAULT_BM25,
      keywordWorkerFromChunks === undefined ? {} : { workerFromChunks: keywordWorkerFromChunks },
    ),
    legacyKeywordCodec: minisearchCodec,
  };
}
