import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadVersion, readPointer } from "../../../functions/core/bundle.js";
import {
  publishVersion,
  pruneVersions,
  rollbackCollection,
  type ManifestDraft,
} from "../../../functions/core/bundle-versions.js";
import {
  BundleIntegrityError,
  ConcurrentPublishError,
  NotFoundError,
} from "../../../functions/core/errors.js";
import type { ObjectStore } from "../../../functions/core/ports.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

const draft: ManifestDraft = {
  builtAt: "2026-11-21T12:00:00.000Z",
  model: null,
  source: { type: "local", origin: "/docs" },
  chunking: { maxTokens: 200, overlapTokens: 32 },
  counts: { documents: 1, chunks: 1, skipped: 0 },
};
const VERSIONS = ["v1", "v2", "v3", "v4", "v5", "v6"];

/** Six published versions (the setup: keep 5, so the oldest is the one a prune deletes). */
async function sixVersions(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  for (const v of VERSIONS)
    await publishVersion(store, "docs", v, { "documents.json": `["${v}"]`, "chunks.json": "[]" }, draft);
  return store;
}

/**
 * The store as each actor sees it: every call waits for the scheduler before it takes effect, so fast-check
 * chooses the order in which the two actors' reads and writes land (and shrinks a failing order to a short one).
 * Each call is atomic against the store itself, as an S3 request is; the compare-and-swap included.
 */
function scheduled(store: ObjectStore, s: fc.Scheduler, actor: string): ObjectStore {
  const gate =
    <A extends unknown[], R>(name: string, f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await s.schedule(Promise.resolve(), `${actor} ${name} ${String(args[0])}`);
      return f(...args);
    };
  return {
    get: gate("get", (k) => store.get(k)),
    read: gate("read", (k) => store.read(k)),
    put: gate("put", (k, b, o) => store.put(k, b, o)),
    putIfUnchanged: gate("putIfUnchanged", (k, b, e, o) => store.putIfUnchanged(k, b, e, o)),
    list: gate("list", (p) => store.list(p)),
    listObjects: gate("listObjects", (p) => store.listObjects(p)),
    delete: gate("delete", (k) => store.delete(k)),
  };
}

describe("a rollback racing a prune", () => {
  it("never leaves the pointer on a deleted version, in any order of their reads and writes (property)", async () => {
    const seed = await sixVersions();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const store = new MemoryObjectStore();
        for (const [k, v] of seed.objects) store.objects.set(k, v);
        const rollback = rollbackCollection(scheduled(store, s, "rollback"), "docs", "v1").then(
          (r) => ({ ok: true as const, to: r.to }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        const prune = pruneVersions(scheduled(store, s, "prune"), "docs", 5, Date.parse("2026-12-01"));
        const [rolled, pruned] = await s.waitFor(Promise.all([rollback, prune]));
        const live = (await readPointer(store, "docs"))!;
        // The pointer names a version whose every file is there and sound.
        await expect(loadVersion(store, "docs", live)).resolves.toBeDefined();
        if (rolled.ok) {
          expect(live.version).toBe("v1");
          expect(pruned).not.toContain("v1");
        } else {
          // Refused before its swap (the target is gone or marked) or undone after it: a clear error either way.
          expect(
            [ConcurrentPublishError, BundleIntegrityError, NotFoundError].some(
              (E) => rolled.error instanceof E,
            ),
            String(rolled.error),
          ).toBe(true);
          expect(live.version).toBe("v6");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("the interleaving the issue found: the prune re-reads the pointer before the rollback's swap lands", async () => {
    const store = await sixVersions();
    // The rollback checks v1 and verifies its files; then, before its swap, the prune marks v1 and reads the
    // pointer (still v6); the swap lands; then the prune deletes v1.
    const realPut = store.putIfUnchanged.bind(store);
    let pruneDone!: Promise<string[]>;
    store.putIfUnchanged = async (key: string, body: Uint8Array | string, expected: string | null) => {
      if (key.endsWith("current.json") && !pruneDone) {
        const beforeSwap = pruneVersions(store, "docs", 5, Date.parse("2026-12-01"));
        pruneDone = beforeSwap;
        await beforeSwap;
      }
      return realPut(key, body, expected);
    };
    await expect(rollbackCollection(store, "docs", "v1")).rejects.toThrow(
      /version v1 of "docs" (was pruned while the rollback ran|is being pruned)/,
    );
    expect(await pruneDone).toEqual(["v1"]);
    const live = (await readPointer(store, "docs"))!;
    expect(live.version).toBe("v6");
    await expect(loadVersion(store, "docs", live)).resolves.toBeDefined();
  });
});
