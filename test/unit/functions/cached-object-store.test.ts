import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CachedObjectStore } from "../../../functions/adapters/aws/cached-object-store.js";
import { tempDir } from "../../helpers/folders.js";
import { MemoryObjectStore } from "../../helpers/memory-object-store.js";

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

  it("always reads pointers from the store", async () => {
    const inner = new MemoryObjectStore();
    const store = new CachedObjectStore(inner, await tempDir());
    await inner.put("collections/c/current.json", "v1");
    expect(new TextDecoder().decode(await store.get("collections/c/current.json"))).toBe("v1");
    await inner.put("collections/c/current.json", "v2");
    expect(new TextDecoder().decode(await store.get("collections/c/current.json"))).toBe("v2");
  });
});
