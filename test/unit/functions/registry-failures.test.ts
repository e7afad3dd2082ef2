import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FsObjectStore } from "../../../functions/adapters/local/fs-object-store.js";
import { bundleKeys } from "../../../functions/core/bundle.js";
import { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { pathFree } from "../../../functions/core/messages.js";
import type { ObjectStore } from "../../../functions/core/ports.js";
import { refreshCollection } from "../../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../../functions/refresh/sources/local.js";
import { folderWith, tempDir } from "../../helpers/folders.js";
import { unitCodecs as codecs } from "../../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

const denied = (path: string) =>
  Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: "EACCES" });

/** A local store in which collection b's `versions` folder cannot be read (as chmod 000 does for a non-root user). */
class UnreadableB extends FsObjectStore {
  protected override readDirectory(dir: string) {
    if (dir.endsWith(join("collections", "b", "versions"))) return Promise.reject(denied(dir));
    return super.readDirectory(dir);
  }
  override async get(key: string) {
    if (key.startsWith(bundleKeys.versionsPrefix("b"))) throw denied(join(this.root, key));
    return super.get(key);
  }
}

async function publish(store: ObjectStore, collection: string, text: string) {
  return refreshCollection(
    { store, embedder: null, ...codecs },
    { collection, source: new LocalFolderSource(await folderWith({ "p.md": `# P\n\n${text}` })) },
  );
}

describe("failures are scoped to the collections a caller may see", () => {
  it("an unreadable folder of b: a key for a sees nothing of b, and a's new versions are still picked up", async () => {
    const root = join(await tempDir(), "my sp ace", "d", "store");
    await mkdir(root, { recursive: true });
    const plain = new FsObjectStore(root);
    await publish(plain, "a", "alpha");
    await publish(plain, "b", "bravo");
    const store = new UnreadableB(root);
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    const forA = kb.forScope(new Set(["a"]));
    expect(forA.degradations().filter((d) => !d.includes("keyword search only"))).toEqual([]);
    const all = kb.degradations().join("\n");
    expect(all).toMatch(/^b: not loaded: .*permission denied/m);
    expect(all).not.toContain("my sp ace");
    expect(all).not.toContain("ace/d");
    const v2 = await publish(plain, "a", "alpha revised");
    await kb.checkForNewVersions();
    expect(forA.listCollections()[0]!.version).toBe(v2.version);
  });

  it("a store that cannot be listed at all: a limited key gets a generic line, others a path-free one", async () => {
    const store = new MemoryObjectStore();
    await publish(store, "a", "alpha");
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    store.list = () => Promise.reject(denied("/srv/my sp ace/d/store/collections/b/versions"));
    await kb.checkForNewVersions();
    const scoped = kb
      .forScope(new Set(["a"]))
      .degradations()
      .filter((d) => d.startsWith("*"));
    expect(scoped).toEqual([
      "*: not loaded: could not look for new versions (the bundle store could not be listed); serving what is loaded",
    ]);
    const unscoped = kb.degradations().filter((d) => d.startsWith("*"));
    expect(unscoped).toEqual([
      "*: not loaded: could not list collections: EACCES: permission denied, scandir '<path>'",
    ]);
  });

  it("masks whole paths: quoted with spaces, Windows drive and UNC paths", () => {
    expect(pathFree("scandir '/tmp/my sp ace/d/store/collections/b'")).toBe("scandir '<path>'");
    expect(pathFree('open "C:\\Users\\me\\My Data\\x.bin"')).toBe('open "<path>"');
    expect(pathFree("at C:\\thoth\\store\\b and \\\\server\\share\\x")).toBe("at <path> and <path>");
    expect(pathFree("see https://example.com/a/b and people/leave.md")).toBe(
      "see https://example.com/a/b and people/leave.md",
    );
  });
});

describe("the live version's files", () => {
  it("deleted from the store: the copy in memory keeps serving, and heartbeat says what is missing", async () => {
    const store = new MemoryObjectStore();
    const v1 = await publish(store, "docs", "alpha");
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    await kb.checkForNewVersions();
    expect(kb.degradations().filter((d) => !d.includes("keyword search only"))).toEqual([]);
    await store.delete([
      bundleKeys.file("docs", v1.version, "keyword.bin"),
      bundleKeys.manifest("docs", v1.version),
    ]);
    await kb.checkForNewVersions();
    expect(kb.degradations()).toContainEqual(
      `docs: the live version ${v1.version} has files missing from the store (manifest.json, keyword.bin); serving the copy loaded in memory, which a restart cannot load: publish again or roll back`,
    );
    expect((await kb.search({ query: "alpha" })).results).toHaveLength(1);
    // Published again: healthy.
    await publish(store, "docs", "alpha again");
    await kb.checkForNewVersions();
    expect(kb.degradations().filter((d) => !d.includes("keyword search only"))).toEqual([]);
  });
});
