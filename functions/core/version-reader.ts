/**
 * Opens one published version of a collection: fetches and verifies its files, decodes documents and chunks,
 * and loads the indexes this process can use. The server's registry and the refresh's reuse of the previous
 * version both read versions through it, so decoding and the model check live in one place.
 */
import {
  BUNDLE_FILES,
  ChunkRecordSchema,
  DocumentRecordSchema,
  decodeBundleJson,
  loadVersion,
  type ChunkRecord,
  type DocumentRecord,
  type Manifest,
  type Pointer,
} from "./bundle.js";
import { NativeModuleUnavailableError } from "./errors.js";
import type {
  Embedder,
  KeywordIndex,
  KeywordIndexCodec,
  ObjectStore,
  VectorIndex,
  VectorIndexCodec,
} from "./ports.js";
import { z } from "zod";

const DocumentsSchema = z.array(DocumentRecordSchema);
const ChunksSchema = z.array(ChunkRecordSchema);

export interface OpenedVersion {
  manifest: Manifest;
  documents: DocumentRecord[];
  chunks: ChunkRecord[];
  /** Loaded when a keyword codec is given. */
  keyword?: KeywordIndex;
  /** Loaded when the version has vectors of the model `embedder` embeds with, and hnswlib loads here. */
  vectors?: VectorIndex;
  /** Why there are no vectors, when there are none. */
  semanticUnavailable?: string;
  /** Set when the version was embedded with another model than `embedder`. */
  mismatch?: string;
  /** Fetching and verifying the files, then decoding them and loading the indexes. */
  timings: { downloadMs: number; indexLoadMs: number };
}

export async function openVersion(
  store: ObjectStore,
  collection: string,
  pointer: Pointer,
  options: {
    embedder: Embedder | null;
    embedderUnavailableReason?: string;
    vectorCodec: VectorIndexCodec;
    keywordCodec?: KeywordIndexCodec;
  },
): Promise<OpenedVersion> {
  const started = performance.now();
  const { manifest, files } = await loadVersion(store, collection, pointer);
  const downloaded = performance.now();
  const opened: OpenedVersion = {
    manifest,
    documents: decodeBundleJson(files, BUNDLE_FILES.documents, DocumentsSchema),
    chunks: decodeBundleJson(files, BUNDLE_FILES.chunks, ChunksSchema),
    timings: { downloadMs: Math.round(downloaded - started), indexLoadMs: 0 },
  };
  if (options.keywordCodec)
    opened.keyword = options.keywordCodec.load(files.get(BUNDLE_FILES.keywordIndex) ?? new Uint8Array());
  const { embedder } = options;
  const vectorBytes = files.get(BUNDLE_FILES.vectorIndex);
  if (!manifest.model || !vectorBytes) {
    opened.semanticUnavailable = "the bundle was built without an embedding model";
  } else if (!embedder) {
    opened.semanticUnavailable = `no embedding model is loaded (${options.embedderUnavailableReason ?? "unknown reason"})`;
  } else if (manifest.model.id !== embedder.modelId || manifest.model.dimensions !== embedder.dimensions) {
    opened.mismatch = `the bundle was built with ${manifest.model.id} (${manifest.model.dimensions} dimensions) but this server embeds queries with ${embedder.modelId} (${embedder.dimensions})`;
    opened.semanticUnavailable = opened.mismatch;
  } else {
    try {
      opened.vectors = await options.vectorCodec.load(vectorBytes, manifest.model.dimensions);
    } catch (error) {
      if (!(error instanceof NativeModuleUnavailableError)) throw error;
      opened.semanticUnavailable = `the vector index cannot be loaded here: ${error.message}`;
    }
  }
  opened.timings.indexLoadMs = Math.round(performance.now() - downloaded);
  return opened;
}
