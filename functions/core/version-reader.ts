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
import { BundleIntegrityError, NativeModuleUnavailableError } from "./errors.js";
import { message } from "./messages.js";
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
    /** Loads the keyword index when given. */
    keywordCodec?: KeywordIndexCodec;
    /** Reads the keyword index of older bundle formats (format 1's MiniSearch JSON). */
    legacyKeywordCodec?: KeywordIndexCodec;
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
  if (options.keywordCodec) opened.keyword = loadKeyword(files, manifest, options);
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

/** The keyword index, read by whichever codec's file the version has (format 2's, or format 1's). */
function loadKeyword(
  files: Map<string, Uint8Array>,
  manifest: Manifest,
  codecs: { keywordCodec?: KeywordIndexCodec; legacyKeywordCodec?: KeywordIndexCodec },
): KeywordIndex {
  for (const codec of [codecs.keywordCodec, codecs.legacyKeywordCodec]) {
    const bytes = codec && files.get(codec.file);
    if (codec && bytes) {
      try {
        return codec.load(bytes);
      } catch (error) {
        throw new BundleIntegrityError(`${codec.file} cannot be read: ${message(error)}`);
      }
    }
  }
  throw new BundleIntegrityError(
    `the bundle (format ${manifest.formatVersion}) has no keyword index this server can read ` +
      `(files: ${Object.keys(manifest.files).join(", ")})`,
  );
}
