/**
 * The index bundle: the contract between the refresh job (writer) and the MCP server (reader).
 *
 *   collections/<name>/versions/<version>/{documents.json, chunks.bin, texts.bin, keyword.bin, vectors.hnsw, manifest.json}
 *   collections/<name>/versions/<version>/was-live.json  → written once the pointer has named the version
 *   collections/<name>/current.json   → the live version, written last
 *
 * Over 300 lines on purpose: the layout, the schemas and the publish protocol (upload, verify, manifest,
 * compare-and-swap, live markers, prune, rollback) are one contract whose steps share private helpers
 * (movePointer, markLive) and whose order is the guarantee; split, the order would be spread over files.
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { BUNDLE_PREFIX } from "../../shared/names.js";
import { SOURCE_TYPES } from "../../shared/types.js";
import { BundleIntegrityError, ConcurrentPublishError, NotFoundError } from "./errors.js";
import type { ObjectStore } from "./ports.js";

/**
 * The format new versions are written in. Format 2 keeps texts out of the JSON: documents.json holds the
 * documents' facts and where their text sits in texts.bin (deflated blocks, read by range); chunks.bin is
 * typed arrays; keyword.bin a binary BM25F index (bundle-files.ts, adapters/keyword). Format 1 had texts
 * inline in documents.json and chunks.json and MiniSearch's JSON (`keyword-index.json`). Readers take both
 * until no live or kept version is format 1; a format they do not know is refused (the version in use keeps
 * serving).
 */
export const BUNDLE_FORMAT_VERSION = 2;
const FormatVersionSchema = z.union([z.literal(1), z.literal(2)]);
export type BundleFormatVersion = z.infer<typeof FormatVersionSchema>;

export const BUNDLE_FILES = {
  documents: "documents.json",
  chunks: "chunks.bin",
  texts: "texts.bin",
  keywordIndex: "keyword.bin",
  vectorIndex: "vectors.hnsw",
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
  source: z.object({ type: z.enum(SOURCE_TYPES), origin: z.string(), cursor: z.string().optional() }),
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

/** A version that never went live and is older than this belongs to a run that died: it is removed. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

async function markLive(store: ObjectStore, collection: string, version: string): Promise<void> {
  await store.put(
    bundleKeys.liveMarker(collection, version),
    JSON.stringify({ markedAt: new Date().toISOString() }),
    {
      contentType: "application/json",
    },
  );
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

let lastVersionTime = 0;

/**
 * A version id that sorts by build time, to the millisecond: `20261121T120812345Z-3f9a1c`. Ids made by one
 * process are strictly increasing even within a millisecond.
 */
export function newVersionId(now: Date = new Date()): string {
  const time = Math.max(now.getTime(), lastVersionTime + 1);
  lastVersionTime = time;
  const stamp = new Date(time).toISOString().replace(/[-:.]/g, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

const encoder = new TextEncoder();
const toBytes = (body: Uint8Array | string) => (typeof body === "string" ? encoder.encode(body) : body);

export type ManifestDraft = Omit<Manifest, "formatVersion" | "collection" | "version" | "files">;

/**
 * Uploads every file of a new version, reads each back to verify its checksum, writes the manifest, and only
 * then moves `current.json` to the new version with a compare-and-swap: `expectedPointer` is the entity tag of
 * the pointer this run started from (`null`: no version yet). If another refresh moved the pointer meanwhile,
 * the new version's files are removed and ConcurrentPublishError is thrown; the pointer is never interleaved.
 * If anything fails before the pointer is written, readers keep the previous version.
 */
export async function publishVersion(
  store: ObjectStore,
  collection: string,
  version: string,
  files: Partial<Record<BundleFileName, Uint8Array | string>>,
  draft: ManifestDraft,
  expectedPointer?: string | null,
  /** Aborts the publish before the pointer moves (its files are then removed); after the move it is done. */
  signal?: AbortSignal,
): Promise<Manifest> {
  const expected =
    expectedPointer !== undefined
      ? expectedPointer
      : ((await store.read(bundleKeys.pointer(collection)))?.etag ?? null);
  // The live version is history whatever happens next (this also repairs a marker a crash left unwritten).
  const live = await readPointer(store, collection).catch(() => undefined);
  if (live) await markLive(store, collection, live.version);
  try {
    return await uploadAndSwap(store, collection, version, files, draft, expected, signal);
  } catch (error) {
    if (!(error instanceof ConcurrentPublishError)) {
      // A failed run leaves nothing behind (best effort: a killed process is cleaned up by the next prune).
      await store
        .delete(await store.list(bundleKeys.versionPrefix(collection, version)))
        .catch(() => undefined);
    }
    throw error;
  }
}

async function uploadAndSwap(
  store: ObjectStore,
  collection: string,
  version: string,
  files: Partial<Record<BundleFileName, Uint8Array | string>>,
  draft: ManifestDraft,
  expected: string | null,
  signal?: AbortSignal,
): Promise<Manifest> {
  const entries: Manifest["files"] = {};
  for (const [name, body] of Object.entries(files)) {
    if (body === undefined) continue;
    signal?.throwIfAborted();
    const bytes = toBytes(body);
    const key = bundleKeys.file(collection, version, name);
    await store.put(key, bytes, { contentType: name.endsWith(".json") ? "application/json" : undefined });
    entries[name] = { sha256: sha256(bytes), bytes: bytes.byteLength };
  }
  for (const [name, entry] of Object.entries(entries)) {
    const stored = await store.get(bundleKeys.file(collection, version, name));
    if (!stored || sha256(stored) !== entry.sha256) {
      throw new BundleIntegrityError(`uploaded file ${name} of ${collection}@${version} did not verify`);
    }
  }
  const manifest: Manifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    collection,
    version,
    ...draft,
    files: entries,
  };
  const manifestBytes = toBytes(JSON.stringify(manifest, null, 2));
  await store.put(bundleKeys.manifest(collection, version), manifestBytes, {
    contentType: "application/json",
  });
  // The last moment a stop leaves nothing published.
  signal?.throwIfAborted();
  if (
    !(await movePointer(store, collection, version, BUNDLE_FORMAT_VERSION, sha256(manifestBytes), expected))
  ) {
    await store.delete(await store.list(bundleKeys.versionPrefix(collection, version)));
    throw new ConcurrentPublishError(
      `another refresh published "${collection}" while this one ran; its version ${version} was discarded and the live version is unchanged`,
    );
  }
  await markLive(store, collection, version).catch(() => undefined);
  return manifest;
}

async function movePointer(
  store: ObjectStore,
  collection: string,
  version: string,
  /** The version's own format: a reader that does not know it refuses the pointer and keeps what it serves. */
  formatVersion: BundleFormatVersion,
  manifestSha256: string,
  expected: string | null,
): Promise<boolean> {
  const pointer: Pointer = {
    formatVersion,
    version,
    manifestSha256,
    publishedAt: new Date().toISOString(),
  };
  return store.putIfUnchanged(bundleKeys.pointer(collection), JSON.stringify(pointer, null, 2), expected, {
    contentType: "application/json",
  });
}

function parseJson<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
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

/** Version ids stored for a collection, oldest first. */
export interface VersionState {
  version: string;
  /** The pointer named it at some time (or it predates live markers): history, a rollback target. */
  onceLive: boolean;
}

/**
 * Every version with a manifest, oldest first, and whether it was ever live. Versions from before live
 * markers existed (older than the oldest marked one) count as once live; an unmarked version newer than that
 * belongs to a run that never moved the pointer.
 */
export async function versionStates(store: ObjectStore, collection: string): Promise<VersionState[]> {
  const prefix = bundleKeys.versionsPrefix(collection);
  const keys = await store.list(prefix);
  const versionOf = (key: string) => key.slice(prefix.length).split("/")[0]!;
  const versions = [...new Set(keys.filter((k) => k.endsWith("/manifest.json")).map(versionOf))].sort();
  const marked = new Set(keys.filter((k) => k.endsWith("/was-live.json")).map(versionOf));
  const firstMarked = [...marked].sort()[0];
  const live = (await readPointer(store, collection).catch(() => undefined))?.version;
  return versions.map((version) => ({
    version,
    onceLive: marked.has(version) || version === live || firstMarked === undefined || version < firstMarked,
  }));
}

/** The time a version id encodes (`newVersionId`), or undefined for other ids. */
function versionTime(version: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(version);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!) : undefined;
}

export async function listVersions(store: ObjectStore, collection: string): Promise<string[]> {
  const prefix = bundleKeys.versionsPrefix(collection);
  const keys = await store.list(prefix);
  const versions = keys
    .filter((key) => key.endsWith("/manifest.json"))
    .map((key) => key.slice(prefix.length).split("/")[0]!);
  return [...new Set(versions)].sort();
}

export interface LoadedVersion {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
}

/** Reads a version's manifest and every file it lists, verifying each checksum. */
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

export async function loadVersion(
  store: ObjectStore,
  collection: string,
  pointer: Pointer,
): Promise<LoadedVersion> {
  const where = `${collection}@${pointer.version}`;
  const manifest = await readManifest(store, collection, pointer);
  const files = new Map<string, Uint8Array>();
  await Promise.all(
    Object.entries(manifest.files).map(async ([name, entry]) => {
      const bytes = await store.get(bundleKeys.file(collection, pointer.version, name));
      if (!bytes) throw new BundleIntegrityError(`${where}: ${name} is missing`);
      if (sha256(bytes) !== entry.sha256)
        throw new BundleIntegrityError(`${where}: ${name} fails its checksum`);
      files.set(name, bytes);
    }),
  );
  return { manifest, files };
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

/** Deletes all but the newest `keep` versions, never the live one. Returns the deleted version ids. */
/**
 * Keeps the newest `keep` versions that were once live (the live one always survives) and removes older ones,
 * plus versions of runs that died before going live (older than ORPHAN_GRACE_MS, so a run still publishing is
 * never touched). Orphans do not count toward `keep`.
 */
export async function pruneVersions(
  store: ObjectStore,
  collection: string,
  keep: number,
  now: number = Date.now(),
): Promise<string[]> {
  const live = (await readPointer(store, collection))?.version;
  const states = await versionStates(store, collection);
  const history = states.filter((s) => s.onceLive).map((s) => s.version);
  const orphans = states
    .filter((s) => !s.onceLive && now - (versionTime(s.version) ?? 0) > ORPHAN_GRACE_MS)
    .map((s) => s.version);
  const doomed = [...history.slice(0, Math.max(0, history.length - keep)), ...orphans]
    .filter((v) => v !== live)
    .sort();
  const pruned: string[] = [];
  for (const version of doomed) {
    // Mark, then re-read the pointer: a rollback onto this version either lands before the re-read (the
    // version is kept) or sees the mark after its own swap and moves the pointer back (rollbackCollection).
    const marker = bundleKeys.pruneMarker(collection, version);
    await store.put(marker, JSON.stringify({ markedAt: new Date(now).toISOString() }), {
      contentType: "application/json",
    });
    let live: string | undefined;
    try {
      live = (await readPointer(store, collection))?.version;
    } catch (error) {
      await store.delete([marker]).catch(() => undefined); // unmarked: rollbacks may take it again
      throw error;
    }
    if (live === version) {
      await store.delete([marker]);
      continue;
    }
    const keys = await store.list(bundleKeys.versionPrefix(collection, version));
    // The mark goes last, so a version is either marked or has no manifest left while it is being deleted.
    await store.delete(keys.filter((key) => key !== marker));
    await store.delete([marker]);
    pruned.push(version);
  }
  return pruned;
}

/**
 * Moves a collection's pointer back to an earlier version (default: the one before the live version), after
 * verifying every file of that version. Returns the versions it moved from and to.
 */
export async function rollbackCollection(
  store: ObjectStore,
  collection: string,
  to?: string,
): Promise<{ from: string; to: string }> {
  const current = await readPointerTagged(store, collection);
  if (!current) throw new NotFoundError(`collection "${collection}" has no live version to roll back`);
  const states = await versionStates(store, collection);
  const versions = states.filter((s) => s.onceLive).map((s) => s.version);
  if (to && !versions.includes(to) && states.some((s) => s.version === to)) {
    throw new NotFoundError(
      `version ${to} of "${collection}" was never live (its run did not finish); roll back to one of: ${versions.join(", ")}`,
    );
  }
  const target = to ?? versions.filter((v) => v < current.pointer.version).pop();
  if (!target)
    throw new NotFoundError(
      `collection "${collection}" has no version older than ${current.pointer.version}`,
    );
  if (!versions.includes(target)) {
    throw new NotFoundError(
      `collection "${collection}" has no version ${target}; kept versions: ${versions.join(", ")}`,
    );
  }
  const beingPruned = async () =>
    (await store.get(bundleKeys.pruneMarker(collection, target))) !== undefined ||
    (await store.get(bundleKeys.manifest(collection, target))) === undefined;
  if (await beingPruned())
    throw new ConcurrentPublishError(
      `version ${target} of "${collection}" is being pruned; roll back to a newer one, or none was changed`,
    );
  const manifestBytes = await store.get(bundleKeys.manifest(collection, target));
  const manifestSha256 = sha256(manifestBytes ?? new Uint8Array());
  const { manifest } = await loadVersion(store, collection, {
    formatVersion: BUNDLE_FORMAT_VERSION,
    version: target,
    manifestSha256,
    publishedAt: "",
  });
  if (!(await movePointer(store, collection, target, manifest.formatVersion, manifestSha256, current.etag))) {
    throw new ConcurrentPublishError(
      `"${collection}" was republished during the rollback; nothing was changed, try again`,
    );
  }
  // A prune that marked the target before this swap may have read the pointer before it too, and be deleting
  // the target now: then the pointer goes back (if it still names the target), so it never names a deleted
  // version. A prune that marks after the swap sees the pointer on the target and keeps it.
  if (await beingPruned()) {
    const now = await readPointerTagged(store, collection);
    const { formatVersion, manifestSha256: fromSha } = current.pointer;
    if (now?.pointer.version === target)
      await movePointer(store, collection, current.pointer.version, formatVersion, fromSha, now.etag);
    throw new ConcurrentPublishError(
      `version ${target} of "${collection}" was pruned while the rollback ran; the live version is still ${current.pointer.version}`,
    );
  }
  await markLive(store, collection, current.pointer.version).catch(() => undefined);
  return { from: current.pointer.version, to: target };
}
