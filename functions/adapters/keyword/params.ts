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

/**
 * k1, text b and title weight tuned by coordinate ascent on SciFact's BEIR train split (`npm run eval:tune`):
 * nDCG@10 0.7046 → 0.7072 there (BM25 as Anserini runs it, Porter-stemmed: 0.6998; unstemmed 0.6677). Checked,
 * not tuned, on eval/handbook-questions (0.7762; stemmed BM25 0.4946) and examples/beir-sample (0.9531; 0.9558),
 * but those 20 handbook questions guided the design: they are held in, not unseen.
 */
export const DEFAULT_BM25: Bm25Params = {
  k1: 0.9,
  fields: {
    title: { weight: 3, b: 0.75 },
    heading: { weight: 1.5, b: 0.75 },
    text: { weight: 1, b: 0.5 },
  },
  doc: { k1: 1.2, b: 0.75, weight: 1 },
};

/** Integer idf weights are idf × IDF_SCALE, rounded: scores stay exact integers (see bm25-index.ts). */
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

/**
 * What lets a search skip documents (keyword.bin "THOTHKW3"; absent in "THOTHKW2" files, which are searched
 * exhaustively). The document postings then also list a term that occurs only in a document's headings, with
 * impact 0, so that every (term, document) pair some chunk matches has a posting to carry its bound.
 */
export interface DocumentBounds {
  /** Per document posting: the largest chunk impact of its term among the document's chunks. */
  maxChunkImpact: Uint8Array;
  /** Per term: documents whose own text or title has it (the idf's count; heading-only postings excluded). */
  df: Uint32Array;
}

export interface IndexParts {
  params: Bm25Params;
  vocabulary: string[];
  chunkCount: number;
  docCount: number;
  chunk: Postings;
  doc: Postings;
  docOfChunk: Uint32Array;
  bounds?: DocumentBounds;
}
