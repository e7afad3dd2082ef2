/**
 * The life of a bundle version: publish (upload, verify, manifest, compare-and-swap of the pointer, live
 * marker), list, prune and roll back. The steps share private helpers (movePointer, markLive) and their order is
 * the guarantee: a reader never sees a half-written version, and the pointer never names a deleted one (the
 * prune's mark and the rollback's re-check, see pruneVersions and rollbackCollection).
 */
import { randomBytes } from "node:crypto";
import {
  BUNDLE_FORMAT_VERSION,
  bundleKeys,
  loadVersion,
  readPointer,
  readPointerTagged,
  sha256,
  type BundleFileName,
  type BundleFormatVersion,
  type Manifest,
  type Pointer,
} from "./bundle.js";
import { BundleIntegrityError, ConcurrentPublishError, NotFoundError } from "./errors.js";
import type { ObjectStore } from "./ports.js";

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
