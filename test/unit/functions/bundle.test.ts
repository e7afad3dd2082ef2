import { describe, expect, it } from "vitest";
import {
  BUNDLE_FORMAT_VERSION,
  bundleKeys,
  listPublishedCollections,
  loadVersion,
  readPointer,
  readPointerTagged,
  sha256,
} from "../../../functions/core/bundle.js";
import {
  listVersions,
  newVersionId,
  ORPHAN_GRACE_MS,
  pruneVersions,
  versionStates,
  publishVersion,
  rollbackCollection,
  type ManifestDraft,
} from "../../../functions/core/bundle-versions.js";
import {
  BundleIntegrityError,
  ConcurrentPublishError,
  NotFoundError,
} from "../../../functions/core/errors.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

const draft: ManifestDraft = {
  builtAt: "2026-11-21T12:00:00.000Z",
  model: { id: "thoth/tiny", dimensions: 64, space: "cosine", index: { M: 16 } },
  source: { type: "local", origin: "/docs" },
  chunking: { maxTokens: 200, overlapTokens: 32 },
  counts: { documents: 1, chunks: 1, skipped: 0 },
};

async function publish(store: MemoryObjectStore, version: string, content = "[]") {
  return publishVersion(store, "docs", version, { "documents.json": content, "chunks.json": "[]" }, draft);
}

describe("publishVersion", () => {
  it("writes every file, then the manifest, then current.json last", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    expect(store.writes).toEqual([
      bundleKeys.file("docs", "v1", "documents.json"),
      bundleKeys.file("docs", "v1", "chunks.json"),
      bundleKeys.manifest("docs", "v1"),
      bundleKeys.pointer("docs"),
      // After the pointer: the record that v1 was live (history for rollback and pruning).
      bundleKeys.liveMarker("docs", "v1"),
    ]);
  });

  it("records format, model, counts and a sha256 per file in the manifest", async () => {
    const store = new MemoryObjectStore();
    const manifest = await publish(store, "v1", '[{"x":1}]');
    expect(manifest).toMatchObject({
      formatVersion: BUNDLE_FORMAT_VERSION,
      collection: "docs",
      version: "v1",
      model: draft.model,
      counts: draft.counts,
    });
    expect(manifest.files["documents.json"]).toEqual({ sha256: sha256('[{"x":1}]'), bytes: 9 });
    const pointer = await readPointer(store, "docs");
    expect(pointer?.version).toBe("v1");
    expect(pointer?.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
    expect(pointer?.manifestSha256).toBe(sha256((await store.get(bundleKeys.manifest("docs", "v1")))!));
  });

  it("leaves the previous pointer in place when an upload fails", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    store.failPut = (key) => key.includes("/v2/chunks.json");
    await expect(publish(store, "v2")).rejects.toThrow(/injected failure/);
    expect((await readPointer(store, "docs"))?.version).toBe("v1");
  });
});

describe("loadVersion", () => {
  it("returns the manifest and verified files", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1", '["doc"]');
    const loaded = await loadVersion(store, "docs", (await readPointer(store, "docs"))!);
    expect(new TextDecoder().decode(loaded.files.get("documents.json"))).toBe('["doc"]');
  });

  it("refuses a file whose checksum does not match", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    store.objects.set(bundleKeys.file("docs", "v1", "chunks.json"), new TextEncoder().encode("[1]"));
    const pointer = (await readPointer(store, "docs"))!;
    await expect(loadVersion(store, "docs", pointer)).rejects.toThrow(BundleIntegrityError);
    await expect(loadVersion(store, "docs", pointer)).rejects.toThrow(/chunks.json fails its checksum/);
  });

  it("refuses a pointer to a missing version", async () => {
    const store = new MemoryObjectStore();
    await expect(
      loadVersion(store, "docs", { formatVersion: 1, version: "gone", manifestSha256: "0", publishedAt: "" }),
    ).rejects.toThrow(/manifest.json is missing/);
  });

  it("refuses a pointer that is not JSON", async () => {
    const store = new MemoryObjectStore();
    await store.put(bundleKeys.pointer("docs"), "{oops");
    await expect(readPointer(store, "docs")).rejects.toThrow(/not valid JSON/);
  });
});

describe("versions", () => {
  it("lists published collections and versions in order", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "20260101T000000Z-aaaaaa");
    await publish(store, "20260102T000000Z-bbbbbb");
    expect(await listPublishedCollections(store)).toEqual(["docs"]);
    expect(await listVersions(store, "docs")).toEqual(["20260101T000000Z-aaaaaa", "20260102T000000Z-bbbbbb"]);
  });

  it("prunes old versions but never the live one", async () => {
    const store = new MemoryObjectStore();
    for (const v of ["v1", "v2", "v3", "v4"]) await publish(store, v);
    expect(await pruneVersions(store, "docs", 2)).toEqual(["v1", "v2"]);
    expect(await listVersions(store, "docs")).toEqual(["v3", "v4"]);
    // Point back at v3 (a rollback), publish v5 and v6: v3 is live and survives.
    await rollbackCollection(store, "docs", "v3");
    await publish(store, "v5");
    await publish(store, "v6");
    expect(await pruneVersions(store, "docs", 1)).toEqual(["v3", "v4", "v5"]);
    expect(await listVersions(store, "docs")).toEqual(["v6"]);
  });

  it("removes versions of runs that died before going live, after a grace period, and does not count them", async () => {
    const store = new MemoryObjectStore();
    const t = (minute: number) => newVersionId(new Date(Date.UTC(2026, 0, 1, 0, minute)));
    const [a, b, crashed, c, running] = [t(0), t(1), t(2), t(3), t(4)];
    await publish(store, a);
    await publish(store, b);
    // A run killed after writing its manifest: files and manifest, never the pointer.
    await store.put(bundleKeys.file("docs", crashed, "documents.json"), "[]");
    await store.put(bundleKeys.manifest("docs", crashed), "{}");
    await publish(store, c);
    await store.put(bundleKeys.manifest("docs", running), "{}");
    expect((await versionStates(store, "docs")).map((s) => [s.version, s.onceLive])).toEqual([
      [a, true],
      [b, true],
      [crashed, false],
      [c, true],
      [running, false],
    ]);
    // Rollback skips it: it was never live, and naming it is refused.
    await expect(rollbackCollection(store, "docs", crashed)).rejects.toThrow(/was never live/);
    const now = Date.UTC(2026, 0, 1, 0, 4) + ORPHAN_GRACE_MS - 1;
    // Within the grace period (the run may still be publishing) it stays; keep 2 counts only once-live versions.
    expect(await pruneVersions(store, "docs", 2, now - 2 * 60_000 - 1)).toEqual([a]);
    expect(await pruneVersions(store, "docs", 2, now + 60 * 60_000)).toEqual([crashed, running]);
    expect(await listVersions(store, "docs")).toEqual([b, c]);
    expect(await rollbackCollection(store, "docs")).toEqual({ from: c, to: b });
  });

  it("removes the files of a run whose upload failed", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    store.failPut = (key) => key.endsWith("chunks.json");
    await expect(publish(store, "v2")).rejects.toThrow(/injected failure/);
    expect(await store.list(bundleKeys.versionPrefix("docs", "v2"))).toEqual([]);
    expect((await readPointer(store, "docs"))!.version).toBe("v1");
  });

  it("re-checks the pointer before each deletion, so a rollback during a prune keeps its target", async () => {
    const store = new MemoryObjectStore();
    for (const v of ["v1", "v2", "v3", "v4"]) await publish(store, v);
    const live = (await readPointer(store, "docs"))!;
    // A rollback to v1 lands after the prune has listed the versions and read the live one (v4).
    const list = store.list.bind(store);
    let moved = false;
    store.list = async (prefix: string) => {
      if (!moved && prefix === bundleKeys.versionsPrefix("docs")) {
        const versions = await list(prefix);
        moved = true;
        await store.put(bundleKeys.pointer("docs"), JSON.stringify({ ...live, version: "v1" }));
        return versions;
      }
      return list(prefix);
    };
    expect(await pruneVersions(store, "docs", 1)).toEqual(["v2", "v3"]);
    expect((await readPointer(store, "docs"))!.version).toBe("v1");
    expect(await listVersions(store, "docs")).toEqual(["v1", "v4"]);
  });

  it("makes version ids that sort by time, even within one millisecond", () => {
    const a = newVersionId(new Date("2030-01-02T03:04:05.678Z"));
    const b = newVersionId(new Date("2030-01-02T03:04:05.678Z"));
    const c = newVersionId(new Date("2030-01-02T03:04:06.000Z"));
    expect(a).toMatch(/^20300102T030405678Z-[0-9a-f]{6}$/);
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });
});

describe("atomic pointer moves", () => {
  it("refuses to publish over a pointer that moved since the run started, and discards its files", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    const startedFrom = (await readPointerTagged(store, "docs"))!.etag;
    await publish(store, "v2"); // another refresh wins the race
    await expect(
      publishVersion(store, "docs", "v3", { "documents.json": "[]" }, draft, startedFrom),
    ).rejects.toThrow(ConcurrentPublishError);
    expect((await readPointer(store, "docs"))?.version).toBe("v2");
    expect(await store.list(bundleKeys.versionPrefix("docs", "v3"))).toEqual([]);
  });

  it("refuses a first publish when another one created the pointer meanwhile", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    await expect(
      publishVersion(store, "docs", "v2", { "documents.json": "[]" }, draft, null),
    ).rejects.toThrow(/another refresh published "docs"/);
  });
});

describe("rollbackCollection", () => {
  it("moves the pointer to the previous version by default, or to a named one", async () => {
    const store = new MemoryObjectStore();
    for (const v of ["v1", "v2", "v3"]) await publish(store, v, `["${v}"]`);
    expect(await rollbackCollection(store, "docs")).toEqual({ from: "v3", to: "v2" });
    expect((await readPointer(store, "docs"))?.version).toBe("v2");
    expect(await rollbackCollection(store, "docs", "v3")).toEqual({ from: "v2", to: "v3" });
    const loaded = await loadVersion(store, "docs", (await readPointer(store, "docs"))!);
    expect(new TextDecoder().decode(loaded.files.get("documents.json"))).toBe('["v3"]');
  });

  it("explains what cannot be rolled back", async () => {
    const store = new MemoryObjectStore();
    await expect(rollbackCollection(store, "docs")).rejects.toThrow(/no live version/);
    await publish(store, "v1");
    await expect(rollbackCollection(store, "docs")).rejects.toThrow(/no version older than v1/);
    await expect(rollbackCollection(store, "docs", "v0")).rejects.toThrow(NotFoundError);
  });

  it("refuses a version whose files are corrupt, leaving the pointer alone", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "v1");
    await publish(store, "v2");
    store.objects.set(bundleKeys.file("docs", "v1", "chunks.json"), new TextEncoder().encode("[9]"));
    await expect(rollbackCollection(store, "docs")).rejects.toThrow(BundleIntegrityError);
    expect((await readPointer(store, "docs"))?.version).toBe("v2");
  });
});
