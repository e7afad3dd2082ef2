import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CachedObjectStore } from "../../../functions/adapters/aws/cached-object-store.js";
import { tempDir } from "../../helpers/folders.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";
import { expectByteRanges } from "../../helpers/byte-ranges.js";

describe("CachedObjectStore (the /tmp bundle cache)", () => {
  it("downloads an immutable version file once, then serves it from disk", async () => {
    const inner = new MemoryObjectStore();
    await inner.put("collections/c/versions/v1/chunks.json", "[1]");
    let gets = 0;
    const get = inner.get.bind(inner);
    inner.get = async (key) => {
      gets++;
      return get(key);
    };
    const dir = await tempDir();
    const store = new CachedObjectStore(inner, dir);
    for (let i = 0; i < 3; i++)
      expect(new TextDecoder().decode(await store.get("collections/c/versions/v1/chunks.json"))).toBe("[1]");
    expect(gets).toBe(1);
    expect(await readdir(dir)).toHaveLength(1);
    await store.delete(["collections/c/versions/v1/chunks.json"]);
    expect(await readdir(dir)).toHaveLength(0);
    expect(await store.get("collections/c/versions/v1/chunks.json")).toBeUndefined();
  });

  it("reads byte ranges from the store until the file is cached, then from the cached file", async () => {
    const inner = new MemoryObjectStore();
    const store = new CachedObjectStore(inner, await tempDir());
    const key = "collections/c/versions/v1/keyword.bin";
    await expectByteRanges(store, key);
    expect(inner.ranges.filter((r) => r.startsWith(key + " "))).toHaveLength(5);
    await store.get(key);
    inner.ranges.length = 0;
    await expectByteRanges(store, key);
    expect(inner.ranges.filter((r) => r.startsWith(key + " "))).toEqual([]);
  });

  it("stays within its byte budget: least recently used files go first, a file over the budget is not kept", async () => {
    const inner = new MemoryObjectStore();
    const key = (v: string, f: string) => `collections/c/versions/${v}/${f}`;
    for (const v of ["v1", "v2", "v3"]) await inner.put(key(v, "keyword.bin"), new Uint8Array(400));
    await inner.put(key("v3", "vectors.hnsw"), new Uint8Array(1500));
    const dir = await tempDir();
    const store = new CachedObjectStore(inner, dir, 1000);
    await store.get(key("v1", "keyword.bin"));
    await store.get(key("v2", "keyword.bin"));
    await store.get(key("v1", "keyword.bin")); // v1 is now the most recently used
    await store.get(key("v3", "keyword.bin")); // 1200 > 1000: v2 goes
    expect(await store.cachedBytes()).toBe(800);
    expect(await readdir(dir)).toHaveLength(2);
    let gets = 0;
    const get = inner.get.bind(inner);
    inner.get = async (k) => (gets++, get(k));
    await store.get(key("v1", "keyword.bin"));
    expect(gets).toBe(0);
    await store.get(key("v2", "keyword.bin"));
    expect(gets).toBe(1);
    // Larger than the whole budget: served, never written (it would evict everything and still not fit).
    expect((await store.get(key("v3", "vectors.hnsw")))!.byteLength).toBe(1500);
    expect(await store.cachedBytes()).toBeLessThanOrEqual(1000);
    // A new process on the same /tmp (a warm sandbox) counts what is already there.
    const again = new CachedObjectStore(inner, dir, 1000);
    expect(await again.cachedBytes()).toBe(await store.cachedBytes());
  });

  it("stays within its budget when many downloads finish at once: room is reserved before writing", async () => {
    const inner = new MemoryObjectStore();
    const key = (i: number) => `collections/c/versions/v1/file-${i}`;
    const MB = 1024 * 1024;
    for (let i = 0; i < 6; i++) await inner.put(key(i), new Uint8Array(10 * MB).fill(i));
    const dir = await tempDir();
    const store = new CachedObjectStore(inner, dir, 25 * MB);
    const bodies = await Promise.all(Array.from({ length: 6 }, (_, i) => store.get(key(i))));
    bodies.forEach((b, i) => expect(b![0]).toBe(i));
    const onDisk = async () => {
      let total = 0;
      for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
      return total;
    };
    expect(await onDisk()).toBeLessThanOrEqual(25 * MB);
    expect(await store.cachedBytes()).toBe(await onDisk());
    // Another round, all at once again, over files partly cached: still within the budget.
    await Promise.all(Array.from({ length: 6 }, (_, i) => store.get(key(5 - i))));
    expect(await onDisk()).toBeLessThanOrEqual(25 * MB);
    expect(await store.cachedBytes()).toBe(await onDisk());
  });

  it("always reads pointers from the store", async () => {
    const inner = new MemoryObjectStore();
    const store = new CachedObjectStore(inner, await tempDir());
    await inner.put("collections/c/current.json", "v1");
    expect(new TextDecoder().decode(await store.get("collections/c/current.json"))).toBe("v1");
    await inner.put("collections/c/current.json", "v2");
    expect(new TextDecoder().decode(await store.get("collections/c/current.json"))).toBe("v2");
  });

  it("hands out a cached file itself (no second copy), held against eviction until released", async () => {
    const inner = new MemoryObjectStore();
    const key = (v: string, f: string) => `collections/c/versions/${v}/${f}`;
    await inner.put(key("v1", "vectors.hnsw"), new Uint8Array(600).fill(1));
    await inner.put(key("v2", "keyword.bin"), new Uint8Array(600).fill(2));
    await inner.put(key("v3", "keyword.bin"), new Uint8Array(600).fill(3));
    let gets = 0;
    const get = inner.get.bind(inner);
    inner.get = async (k) => (gets++, get(k));
    const dir = await tempDir();
    const store = new CachedObjectStore(inner, dir, 1000);

    const held = await store.getFile(key("v1", "vectors.hnsw"));
    if (!held || !("file" in held)) throw new Error("expected a file");
    expect(held.file.startsWith(dir)).toBe(true);
    expect(await readFile(held.file)).toEqual(Buffer.alloc(600, 1));
    expect(await readdir(dir)).toHaveLength(1);
    // A download that needs its room cannot evict the held file: it is served without being kept.
    expect((await store.get(key("v2", "keyword.bin")))!.byteLength).toBe(600);
    expect(await readdir(dir)).toEqual([basename(held.file)]);
    // Asked again while held: the same file, not a second download.
    const again = await store.getFile(key("v1", "vectors.hnsw"));
    expect(again && "file" in again && again.file).toBe(held.file);
    expect(gets).toBe(2);
    held.release();
    held.release(); // releasing twice counts once: the second holder still holds it
    await store.get(key("v3", "keyword.bin"));
    expect(await readdir(dir)).toEqual([basename(held.file)]);
    if (again && "release" in again) again.release();
    // Released by every holder: now it is the least recently used file, and goes.
    await store.get(key("v2", "keyword.bin"));
    expect(await readdir(dir)).not.toContain(basename(held.file));
  });

  it("hands over the bytes of an object too large to keep, and nothing for a missing one", async () => {
    const inner = new MemoryObjectStore();
    await inner.put("collections/c/versions/v1/vectors.hnsw", new Uint8Array(1500));
    const dir = await tempDir();
    const store = new CachedObjectStore(inner, dir, 1000);
    const large = await store.getFile("collections/c/versions/v1/vectors.hnsw");
    expect(large && "bytes" in large && large.bytes.byteLength).toBe(1500);
    expect(await readdir(dir)).toHaveLength(0);
    expect(await store.getFile("collections/c/versions/v1/missing.bin")).toBeUndefined();
  });
});
