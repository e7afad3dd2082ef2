/** The keyword index's scoring parameters and the parts an index is made of (shared by builder, file and index). */

export interface Bm25Params {
  /** Term-frequency saturation and length normalisation of the chunk-level BM25F. */
  k1: number;
  /** Per field: weight and length normalisation (b). */
  fields: { title: FieldParams; heading: FieldParams; text: FieldParams };
  /** The document-level BM25 and its weight beside the chunk score (0: chunk evidence only). */
  doc: { k1: number; b: number; weight: number };
}

interface FieldParams {
  weight: number;
  b: number;
}

/** Tuned on ../shared/eval/scifact-train and a handbook question set; docs/benchmarks.md has the figures. */
export const DEFAULT_BM25: Bm25Params = {
  k1: 1.2,
  fields: {
    title: { weight: 2, b: 0.75 },
    heading: { weight: 1.5, b: 0.75 },
    text: { weight: 1, b: 0.75 },
  },
  doc: { k1: 1.2, b: 0.75, weight: 1 },
};

/** What the index knows of one chunk while it is built. */
export const IDF_SCALE = 4096;

/** BM25's idf (the Lucene form: never negative). */
export const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

/** An impact in [0, 1) as one byte; a term that occurs always counts at least 1. */
export const quantise = (impact: number) => Math.min(255, Math.max(1, Math.round(impact * 255)));

export interface Postings {
  /** Per term: postings `[offsets[t], offsets[t + 1])`. */
  offsets: Uint32Array;
  ids: Uint32Array;
  impacts: Uint8Array;
}

export interface IndexParts {
  params: Bm25Params;
  vocabulary: string[];
  chunkCount: number;
  docCount: number;
  chunk: Postings;
  doc: Postings;
  docOfChunk: Uint32Array;
}
