import { describe, expect, it } from "vitest";
import { bundleKeys, readPointer } from "../../functions/core/bundle.js";
import { listVersions } from "../../functions/core/bundle-versions.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { RefreshInterruptedError } from "../../functions/refresh/stages.js";
import { refreshCollections } from "../../functions/refresh/run.js";
import type { SourceDeps } from "../../functions/refresh/sources/index.js";
import type { KeywordIndexCodec } from "../../functions/core/ports.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

/** A store that calls `at(key)` on every write, so a test can press Ctrl-C at an exact point of a publish. */
function watched(at: (key: string) => void): MemoryObjectStore {
  const store = new MemoryObjectStore();
  const put = store.put.bind(store);
  store.put = async (key, body) => {
    at(key);
    return put(key, body);
  };
  const swap = store.putIfUnchanged.bind(store);
  store.putIfUnchanged = async (key, body, expected) => {
    const moved = await swap(key, body, expected);
    at(`${key} (moved)`);
    return moved;
  };
  return store;
}

/** The deployed keyword codec, calling `onBuild` as the bundle's keyword index is built (after embedding). */
function keywordCodecCalling(onBuild: () => void): KeywordIndexCodec {
  return {
    ...codecs.keywordCodec,
    builder() {
      const builder = codecs.keywordCodec.builder();
      return { ...builder, add: (e) => builder.add(e), finish: () => (onBuild(), builder.finish()) };
    },
  };
}

const run = (store: MemoryObjectStore, signal: AbortSignal, onBuild: () => void = () => {}) =>
  refreshCollection(
    { store, embedder: new HashingEmbedder(), ...codecs, keywordCodec: keywordCodecCalling(onBuild) },
    { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK), signal },
  );

describe("Ctrl-C after embedding", () => {
  it.each([
    ["while the bundle is built", "build"],
    ["while its files upload", "/texts.bin"],
    ["just before the pointer moves", "/manifest.json"],
  ])("%s: publishes nothing, leaves no files, and says so", async (_when, trigger) => {
    const controller = new AbortController();
    const store = watched((key) => {
      if (key.endsWith(trigger)) controller.abort();
    });
    const onBuild = () => (trigger === "build" ? controller.abort() : undefined);
    const error = await run(store, controller.signal, onBuild).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RefreshInterruptedError);
    expect((error as Error).message).toMatch(/nothing was published/);
    expect(await readPointer(store, "handbook")).toBeUndefined();
    expect(await listVersions(store, "handbook")).toEqual([]);
    expect(await store.list(bundleKeys.versionsPrefix("handbook"))).toEqual([]);
  });

  it("after the pointer moved: the run finishes, and its summary says it published", async () => {
    const controller = new AbortController();
    const store = watched((key) => {
      if (key.endsWith("current.json (moved)")) controller.abort();
    });
    const summary = await run(store, controller.signal);
    expect(controller.signal.aborted).toBe(true);
    expect(summary.published).toBe(true);
    expect((await readPointer(store, "handbook"))!.version).toBe(summary.version);
  });
});

describe("Ctrl-C during a refresh of several collections", () => {
  const sources = {} as SourceDeps; // local sources need nothing from it
  const collections = ["first", "second"].map((name) => ({
    name,
    description: "",
    source: { type: "local" as const, path: SAMPLE_HANDBOOK },
  }));

  it("stopped during the first's build: neither is published, and each outcome says what happened", async () => {
    const controller = new AbortController();
    const store = watched((key) => {
      if (key.startsWith("collections/first/versions/")) controller.abort();
    });
    const outcomes = await refreshCollections({
      kit: { store, embedder: null, ...codecs },
      sources,
      collections,
      signal: controller.signal,
    });
    expect(outcomes).toEqual([
      {
        collection: "first",
        ok: false,
        interrupted: true,
        error: "interrupted before the new version went live; nothing was published",
      },
      {
        collection: "second",
        ok: false,
        interrupted: true,
        error: "not started: interrupted; its live version is unchanged",
      },
    ]);
    expect(await readPointer(store, "first")).toBeUndefined();
    expect(await store.list("collections/")).toEqual([]);
  });

  it("stopped after the first went live: the first is published and says so, the second is not started", async () => {
    const controller = new AbortController();
    const store = watched((key) => {
      if (key === "collections/first/current.json (moved)") controller.abort();
    });
    const outcomes = await refreshCollections({
      kit: { store, embedder: null, ...codecs },
      sources,
      collections,
      signal: controller.signal,
    });
    expect(outcomes[0]).toMatchObject({ collection: "first", ok: true, summary: { published: true } });
    expect(outcomes[1]).toMatchObject({ collection: "second", ok: false, interrupted: true });
    expect(await readPointer(store, "first")).toBeDefined();
    expect(await readPointer(store, "second")).toBeUndefined();
  });
});
