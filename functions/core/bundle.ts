/**
 * The index bundle: the contract between the refresh job (writer) and the MCP server (reader). This module is
 * the layout, the schemas and reading; the version lifecycle (publish, list, prune, rollback) is
 * bundle-versions.ts.
 *
 *   collections/<name>/versions/<version>/{documents.json, chunks.bin, texts.bin, keyword.bin, cards.bin, vectors.hnsw, manifest.json}
 *   collections/<name>/versions/<version>/was-live.json  → written once the pointer has named the version
 *   collections/<name>/versions/<version>/pruning.json   → written by a prune before it deletes the version
 *   collections/<name>/current.json   → the live version, written last
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { z } from "zod";
import { BUNDLE_PREFIX } from "../../shared/names.js";
import { SOURCE_TYPES } from "../../shared/types.js";
import { BundleIntegrityError } from "./errors.js";
import type { LocalObject, ObjectStore } from "./ports.js";

/**
 * The format new versions are written in. Format 2 keeps texts out of the JSON: documents.json holds the
 * documents' facts and where their text sits in texts.bin (deflated blocks, read by range); chunks.bin is
 * typed arrays; keyword.bin a binary BM25F index (bundle-files.ts, adapters/keyword). Format 3 is format 2 with
 * keyword.bin term-major (THOTHKW4) and cards.bin, each chunk's search-hit card, so a fresh server answers its
 * first searches from byte ranges while the files come in. Format 1 had texts inline in documents.json and
 * chunks.json and MiniSearch's JSON (`keyword-index.json`). Readers take all three until no live or kept
 * version is format 1; a format they do not know is refused (the version in use keeps serving).
 */
export const BUNDLE_FORMAT_VERSION = 3;
const FormatVersionSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);
export type BundleFormatVersion = z.infer<typeof FormatVersionSchema>;

export const BUNDLE_FILES = {
  documents: "documents.json",
  chunks: "chunks.bin",
  texts: "texts.bin",
  keywordIndex: "keyword.bin",
  vectorIndex: "vectors.hnsw",
  /** Format 3: read by range only, for first answers (never downloaded whole by a server). */
  cards: "cards.bin",
} as const;
/** Format 1's files that format 2 replaced. */
export const FORMAT_1_FILES = { chunks: "chunks.json", keywordIndex: "keyword-index.json" } as const;
export type BundleFileName =
  (typeof BUNDLE_FILES)[keyof typeof BUNDLE_FILES] | (typeof FORMAT_1_FILES)[keyof typeof FORMAT_1_FILES];

export const DocumentRecordSchema = z.object({
  id: z.string(),
  path: z.string(),
  title: z.string(),
  url: z.string().optional(),
  source: z.enum(SOURCE_TYPES),
  /** sha256 of the normalised text; equal hashes mean the chunks and vectors can be reused. */
  contentHash: z.string(),
  updatedAt: z.string().optional(),
  /** The source's version marker (GitLab blob SHA, S3 ETag, update time), for incremental refresh. */
  revision: z.string().optional(),
  /** Source-specific facts, e.g. Sigma's `type` and `description`. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** The normalised document text (Markdown), served by get_document. */
  text: z.string(),
  /** Labels `[firstChunk, firstChunk + chunkCount)` in the chunk list. */
  firstChunk: z.number().int().nonnegative(),
  chunkCount: z.number().int().nonnegative(),
});
export type DocumentRecord = z.infer<typeof DocumentRecordSchema>;

/** A document as format 2 stores it: its facts, and where its text sits in texts.bin. */
export const StoredDocumentSchema = DocumentRecordSchema.omit({ text: true }).extend({
  textRef: z.object({ start: z.number().int().nonnegative(), length: z.number().int().nonnegative() }),
});
/** A document as readers hold it: its facts without the text (read on demand). */
export type StoredDocument = Omit<DocumentRecord, "text">;

export const ChunkRecordSchema = z.object({
  docId: z.string(),
  headingPath: z.array(z.string()),
  text: z.string(),
  tokens: z.number().int().nonnegative(),
});
export type ChunkRecord = z.infer<typeof ChunkRecordSchema>;

const FileEntrySchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int() });

export const ManifestSchema = z.object({
  formatVersion: FormatVersionSchema,
  collection: z.string(),
  version: z.string(),
  builtAt: z.string(),
  /** `null` when no embedding model was available: the bundle then serves keyword search only. */
  model: z
    .object({
      id: z.string(),
      dimensions: z.number().int().positive(),
      space: z.literal("cosine"),
      index: z.record(z.string(), z.number()),
    })
    .nullable(),
  source: z.object({
    type: z.enum(SOURCE_TYPES),
    origin: z.string(),
    cursor: z.string().optional(),
    urlTemplate: z.string().optional(),
  }),
  chunking: z.object({ maxTokens: z.number().int(), overlapTokens: z.number().int() }),
  counts: z.object({
    documents: z.number().int(),
    chunks: z.number().int(),
    skipped: z.number().int(),
  }),
  files: z.record(z.string(), FileEntrySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const PointerSchema = z.object({
  formatVersion: FormatVersionSchema,
  version: z.string(),
  manifestSha256: z.string(),
  publishedAt: z.string(),
});
export type Pointer = z.infer<typeof PointerSchema>;

export const bundleKeys = {
  collectionsPrefix: BUNDLE_PREFIX,
  pointer: (collection: string) => `${BUNDLE_PREFIX}${collection}/current.json`,
  versionsPrefix: (collection: string) => `${BUNDLE_PREFIX}${collection}/versions/`,
  versionPrefix: (collection: string, version: string) =>
    `${BUNDLE_PREFIX}${collection}/versions/${version}/`,
  file: (collection: string, version: string, file: string) =>
    `${BUNDLE_PREFIX}${collection}/versions/${version}/${file}`,
  manifest: (collection: string, version: string) =>
    `${BUNDLE_PREFIX}${collection}/versions/${version}/manifest.json`,
  /**
   * Written by a prune before it deletes the version, removed last: a rollback refuses a marked version, and
   * re-checks for the mark after its pointer swap (see pruneVersions and rollbackCollection).
   */
  pruneMarker: (collection: string, version: string) =>
    `${BUNDLE_PREFIX}${collection}/versions/${version}/pruning.json`,
  /** Written once the pointer has named the version: only such versions are history (rollback targets). */
  liveMarker: (collection: string, version: string) =>
    `${BUNDLE_PREFIX}${collection}/versions/${version}/was-live.json`,
};

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Parses JSON with its schema; a BundleIntegrityError names `what` when it does not fit. */
export function parseJson<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new BundleIntegrityError(`${what} is not valid JSON`, { cause });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new BundleIntegrityError(
      `${what} does not match the bundle format: ${result.error.issues[0]?.message}`,
    );
  }
  return result.data;
}

/** The live version of a collection, or `undefined` if none was ever published. */
export async function readPointer(store: ObjectStore, collection: string): Promise<Pointer | undefined> {
  return (await readPointerTagged(store, collection))?.pointer;
}

/** The pointer with its entity tag, for a later compare-and-swap. */
export async function readPointerTagged(
  store: ObjectStore,
  collection: string,
): Promise<{ pointer: Pointer; etag: string } | undefined> {
  const object = await store.read(bundleKeys.pointer(collection));
  return object
    ? { pointer: parseJson(object.body, PointerSchema, `${collection}/current.json`), etag: object.etag }
    : undefined;
}

/** Names of the collections that have a live version. */
export async function listPublishedCollections(store: ObjectStore): Promise<string[]> {
  const keys = await store.list(bundleKeys.collectionsPrefix);
  const names = keys
    .map((key) => /^collections\/([^/]+)\/current\.json$/.exec(key)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

export interface LoadedVersion {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
}

/** The manifest the pointer names, checked against the pointer's checksum and parsed with its schema. */
export async function readManifest(
  store: ObjectStore,
  collection: string,
  pointer: Pointer,
): Promise<Manifest> {
  const where = `${collection}@${pointer.version}`;
  const manifestBytes = await store.get(bundleKeys.manifest(collection, pointer.version));
  if (!manifestBytes) throw new BundleIntegrityError(`${where}: manifest.json is missing`);
  if (sha256(manifestBytes) !== pointer.manifestSha256) {
    throw new BundleIntegrityError(`${where}: manifest.json does not match the checksum in current.json`);
  }
  return parseJson(manifestBytes, ManifestSchema, `${where}/manifest.json`);
}

/**
 * Reads a version's manifest and every file it lists but those in `except` (read later with `loadVersionFile`),
 * verifying each checksum.
 */
export async function loadVersion(
  store: ObjectStore,
  collection: string,
  pointer: Pointer,
  except: readonly string[] = [],
): Promise<LoadedVersion> {
  const where = `${collection}@${pointer.version}`;
  const manifest = await readManifest(store, collection, pointer);
  const files = new Map<string, Uint8Array>();
  await Promise.all(
    Object.entries(manifest.files)
      .filter(([name]) => !except.includes(name))
      .map(async ([name, entry]) => {
        const bytes = await store.get(bundleKeys.file(collection, pointer.version, name));
        if (!bytes) throw new BundleIntegrityError(`${where}: ${name} is missing`);
        if (sha256(bytes) !== entry.sha256)
          throw new BundleIntegrityError(`${where}: ${name} fails its checksum`);
        files.set(name, bytes);
      }),
  );
  return { manifest, files };
}

/**
 * One file of a version, verified against its manifest: as a file on this machine where the store can keep one
 * (release it when done), else as bytes. A file that fails its checksum is released before the error.
 */
export async function loadVersionFile(
  store: ObjectStore,
  collection: string,
  manifest: Manifest,
  name: string,
): Promise<LocalObject> {
  const where = `${collection}@${manifest.version}`;
  const entry = manifest.files[name];
  if (!entry) throw new BundleIntegrityError(`${where}: ${name} is not in the manifest`);
  const key = bundleKeys.file(collection, manifest.version, name);
  const local: LocalObject | undefined = store.getFile
    ? await store.getFile(key)
    : await store.get(key).then((bytes) => bytes && { bytes });
  if (!local) throw new BundleIntegrityError(`${where}: ${name} is missing`);
  const digest = "bytes" in local ? sha256(local.bytes) : await sha256File(local.file).catch(() => "");
  if (digest !== entry.sha256) {
    if ("release" in local) local.release();
    throw new BundleIntegrityError(`${where}: ${name} fails its checksum`);
  }
  return local;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Parses a JSON bundle file with its schema, naming the file in any error. */
export function decodeBundleJson<T>(
  files: Map<string, Uint8Array>,
  name: BundleFileName,
  schema: z.ZodType<T>,
): T {
  const bytes = files.get(name);
  if (!bytes) throw new BundleIntegrityError(`${name} is not in the bundle`);
  return parseJson(bytes, schema, name);
}
