import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { tempDir } from "../helpers/folders.js";

describe("filesystem object store", () => {
  it("puts, gets, lists by prefix and deletes", async () => {
    const store = new FsObjectStore(await tempDir());
    await store.put("collections/a/current.json", "{}");
    await store.put("collections/a/versions/v1/x.bin", new Uint8Array([1, 2, 3]));
    await store.put("collections/b/current.json", "{}");
    expect(Array.from((await store.get("collections/a/versions/v1/x.bin"))!)).toEqual([1, 2, 3]);
    expect(await store.list("collections/a/")).toEqual([
      "collections/a/current.json",
      "collections/a/versions/v1/x.bin",
    ]);
    expect(await store.list("collections/")).toHaveLength(3);
    expect(await store.list("nothing/here/")).toEqual([]);
    await store.delete(["collections/a/current.json", "collections/a/missing"]);
    expect(await store.get("collections/a/current.json")).toBeUndefined();
  });

  it("replaces objects atomically, leaving no temp files", async () => {
    const root = await tempDir();
    const store = new FsObjectStore(root);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put("k/v.json", JSON.stringify({ i }))));
    expect(JSON.parse(new TextDecoder().decode(await store.get("k/v.json")))).toHaveProperty("i");
    expect(await readdir(`${root}/k`)).toEqual(["v.json"]);
  });

  it("refuses keys that escape the store", async () => {
    const store = new FsObjectStore(await tempDir());
    await expect(store.put("../outside", "x")).rejects.toThrow(/escapes the store/);
    await expect(store.get("a/../../etc/passwd")).rejects.toThrow(/escapes the store/);
  });
});
