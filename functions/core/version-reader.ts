/**
 * Opens one published version of a collection: fetches and verifies its files, decodes documents and chunks,
 * and loads the indexes this process can use. The server's registry and the refresh's reuse of the previous
 * version both read versions through it, so decoding and the model check live in one place.
 */
import {
  BUNDLE_FILES,
  ChunkRecordSchema,
  DocumentRecordSchema,
  FORMAT_1_FILES,
  StoredDocumentSchema,
  decodeBundleJson,
  loadVersion,
  loadVersionFile,
  type Manifest,
  type Pointer,
  type StoredDocument,
} from "./bundle.js";
import { TextStore, openChunkTable, type ChunkTable, type TextRef } from "./bundle-files.js";
import { BundleIntegrityError, NativeModuleUnavailableError } from "./errors.js";
import { message } from "./messages.js";
import type {
  IndexCodecs,
  KeywordIndex,
  KeywordIndexCodec,
  ModelLoad,
  ObjectStore,
  VectorIndex,
  VectorIndexCodec,
} from "./ports.js";
import { z } from "zod";

export interface OpenedVersion {
  manifest: Manifest;
  /** The documents' facts, in bundle order (texts are read on demand). */
  documents: StoredDocument[];
  chunks: ChunkTable;
  /** A document's whole text. */
  documentText(document: StoredDocument): string;
  /** Loaded when a keyword codec is given. */
  keyword?: KeywordIndex;
  /** Loaded when the version has vectors of the model `embedder` embeds with, and hnswlib loads here. */
  vectors?: VectorIndex;
  /** Why there are no vectors, when there are none. */
  semanticUnavailable?: string;
  /** Set when the version was embedded with another model than `embedder`. */
  mismatch?: string;
  /**
   * With `deferVectors`, set instead of `vectors` when the version has vectors this process can use: fetches,
   * verifies and loads them (rejecting with why not). Everything else is loaded already.
   */
  loadVectors?: () => Promise<VectorIndex>;
  /**
   * Fetching and verifying the files, then decoding them and loading the keyword index; and fetching, verifying
   * and loading the vector index, when it was loaded here.
   */
  timings: LoadTimings;
}

export interface LoadTimings {
  downloadMs: number;
  indexLoadMs: number;
  vectorsMs?: number;
}

/** The model, loaded, or its load still under way (a server reads its bundles meanwhile). */
export type ModelSource = ModelLoad | { model: Promise<ModelLoad> };

/** The model a source gives, loaded or loading. */
export function modelOf(source: ModelSource): Promise<ModelLoad> {
  if ("model" in source) return source.model;
  const { embedder, embedderUnavailableReason } = source;
  return Promise.resolve({ embedder, ...(embedderUnavailableReason ? { embedderUnavailableReason } : {}) });
}

export async function openVersion(
  store: ObjectStore,
  collection: string,
  pointer: Pointer,
  /** The keyword index is loaded only when `keywordCodec` is given (a refresh reads the previous version without). */
  options: Pick<IndexCodecs, "vectorCodec"> &
    Partial<IndexCodecs> & {
      /** Leave the vector index to `loadVectors`: a server answers by keyword while it loads. */
      deferVectors?: boolean;
    } & ModelSource,
): Promise<OpenedVersion> {
  const started = performance.now();
  const { manifest, files } = await loadVersion(store, collection, pointer, [
    BUNDLE_FILES.vectorIndex,
    BUNDLE_FILES.cards,
  ]);
  const downloaded = performance.now();
  const opened: OpenedVersion = {
    manifest,
    ...(manifest.formatVersion === 1 ? decodeFormat1(files) : decodeFormat2(files)),
    timings: { downloadMs: Math.round(downloaded - started), indexLoadMs: 0 },
  };
  if (options.keywordCodec) opened.keyword = loadKeyword(files, manifest, options);
  opened.timings.indexLoadMs = Math.round(performance.now() - downloaded);
  // Awaited only now: a model still loading has had the download and decoding to do it in.
  const { embedder, embedderUnavailableReason } = await modelOf(options);
  if (!manifest.model || !manifest.files[BUNDLE_FILES.vectorIndex]) {
    opened.semanticUnavailable = "the bundle was built without an embedding model";
  } else if (!embedder) {
    opened.semanticUnavailable = `no embedding model is loaded (${embedderUnavailableReason ?? "unknown reason"})`;
  } else if (manifest.model.id !== embedder.modelId || manifest.model.dimensions !== embedder.dimensions) {
    opened.mismatch = `the bundle was built with ${manifest.model.id} (${manifest.model.dimensions} dimensions) but this server embeds queries with ${embedder.modelId} (${embedder.dimensions})`;
    opened.semanticUnavailable = opened.mismatch;
  } else if (!vectorCodecWorks(options.vectorCodec, opened)) {
    // semanticUnavailable says why; nothing was downloaded for it.
  } else {
    const dimensions = manifest.model.dimensions;
    opened.loadVectors = async () => {
      const source = await loadVersionFile(store, collection, manifest, BUNDLE_FILES.vectorIndex);
      try {
        return await options.vectorCodec.load("bytes" in source ? source.bytes : source, dimensions);
      } finally {
        if ("release" in source) source.release();
      }
    };
    if (!options.deferVectors) {
      const load = opened.loadVectors;
      delete opened.loadVectors;
      const vectorsStarted = performance.now();
      try {
        opened.vectors = await load();
      } catch (error) {
        if (!(error instanceof NativeModuleUnavailableError)) throw error;
        opened.semanticUnavailable = vectorsUnavailable(error);
      }
      opened.timings.vectorsMs = Math.round(performance.now() - vectorsStarted);
    }
  }
  return opened;
}

/** Whether the codec can load an index here; if not, `opened.semanticUnavailable` says why. */
function vectorCodecWorks(codec: VectorIndexCodec, opened: OpenedVersion): boolean {
  try {
    codec.check?.();
    return true;
  } catch (error) {
    if (!(error instanceof NativeModuleUnavailableError)) throw error;
    opened.semanticUnavailable = vectorsUnavailable(error);
    return false;
  }
}

/** Why a version's vectors cannot be used, from the error loading them. */
export function vectorsUnavailable(error: unknown): string {
  return error instanceof NativeModuleUnavailableError
    ? `the vector index cannot be loaded here: ${error.message}`
    : `the vector index could not be loaded: ${message(error)}`;
}

type Decoded = Pick<OpenedVersion, "documents" | "chunks" | "documentText">;

function decodeFormat2(files: Map<string, Uint8Array>): Decoded {
  const stored = decodeBundleJson(files, BUNDLE_FILES.documents, z.array(StoredDocumentSchema));
  const texts = TextStore.open(required(files, BUNDLE_FILES.texts));
  const chunks = openChunkTable(required(files, BUNDLE_FILES.chunks), texts);
  const refs = new Map<string, TextRef>();
  const documents = stored.map(({ textRef, ...document }) => {
    refs.set(document.id, textRef);
    return document;
  });
  return {
    documents,
    chunks,
    documentText: (document) => texts.read(refs.get(document.id) ?? { start: 0, length: 0 }),
  };
}

/** Format 1: texts inline in documents.json and chunks.json. */
function decodeFormat1(files: Map<string, Uint8Array>): Decoded {
  const records = decodeBundleJson(files, BUNDLE_FILES.documents, z.array(DocumentRecordSchema));
  const chunks = decodeBundleJson(files, FORMAT_1_FILES.chunks, z.array(ChunkRecordSchema));
  const texts = new Map(records.map((d) => [d.id, d.text]));
  const position = new Map(records.map((d, i) => [d.id, i]));
  return {
    documents: records.map(({ text: _text, ...document }) => document),
    chunks: {
      length: chunks.length,
      docIndex: (label) => position.get(chunks[label]!.docId) ?? -1,
      headingPath: (label) => chunks[label]!.headingPath,
      tokens: (label) => chunks[label]!.tokens,
      text: (label) => chunks[label]!.text,
    },
    documentText: (document) => texts.get(document.id) ?? "",
  };
}

function required(files: Map<string, Uint8Array>, name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new BundleIntegrityError(`${name} is not in the bundle`);
  return bytes;
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
