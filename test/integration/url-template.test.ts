import { describe, expect, it } from "vitest";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { readPointer, readManifest } from "../../functions/core/bundle.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { ObjectStoreSource } from "../../functions/refresh/sources/object-store.js";
import { expandUrlTemplate, withUrlTemplate } from "../../functions/refresh/sources/url-template.js";
import { SourceConfigSchema } from "../../shared/config.js";
import { SAMPLE_HANDBOOK, folderWith, tempDir } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

const TEMPLATE = "https://handbook.example.com/{path}";

async function firstHit(store: FsObjectStore, query: string) {
  const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs });
  return (await kb.search({ query, limit: 1 })).results[0]!;
}

describe("URL templates: citations that link to where people read a folder's or a bucket's documents", () => {
  it("expands {path} without the extension and {file} with it, each segment encoded", () => {
    expect(expandUrlTemplate(TEMPLATE, "on-call/rotation.md")).toBe(
      "https://handbook.example.com/on-call/rotation",
    );
    expect(expandUrlTemplate("https://x.example/{file}", "ops/legacy network.html")).toBe(
      "https://x.example/ops/legacy%20network.html",
    );
    expect(expandUrlTemplate("https://x.example/docs?page={path}", "a/b.txt")).toBe(
      "https://x.example/docs?page=a/b",
    );
  });

  it.each([
    ["no placeholder", "https://handbook.example.com/", /\{path\}/],
    ["not http", "ftp://handbook.example.com/{path}", /https:\/\//],
    ["no host", "https:///{path}", /https:\/\//],
  ])("refuses a template with %s in the stack config", (_what, urlTemplate, message) => {
    const result = SourceConfigSchema.safeParse({ type: "local", path: "docs", urlTemplate });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(message);
  });

  it("gives every search hit of a folder its URL, records the template, and follows a changed template on reuse", async () => {
    const store = new FsObjectStore(await tempDir());
    const source = (template: string) => withUrlTemplate(new LocalFolderSource(SAMPLE_HANDBOOK), template);
    await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "handbook", source: source(TEMPLATE) },
    );
    const hit = await firstHit(store, "swap an on-call shift");
    expect(hit).toMatchObject({
      path: "on-call/rotation.md",
      url: "https://handbook.example.com/on-call/rotation",
    });
    const manifest = await readManifest(store, "handbook", (await readPointer(store, "handbook"))!);
    expect(manifest.source.urlTemplate).toBe(TEMPLATE);
    // Same content, new site: the documents are reused, their links follow the template.
    const moved = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "handbook", source: source("https://wiki.example.org/handbook/{path}") },
    );
    expect(moved.documentsReused).toBe(moved.documentsIndexed);
    expect((await firstHit(store, "swap an on-call shift")).url).toBe(
      "https://wiki.example.org/handbook/on-call/rotation",
    );
  });

  it("links S3 documents too, also those the listing reports unchanged", async () => {
    const bucket = new MemoryObjectStore();
    await bucket.put("docs/guide.md", new TextEncoder().encode("# Guide\n\nKites fly in the wind."));
    const store = new FsObjectStore(await tempDir());
    const run = (template: string) =>
      refreshCollection(
        { store, embedder: null, ...codecs },
        {
          collection: "docs",
          source: withUrlTemplate(new ObjectStoreSource(bucket, "docs/", "s3://b/docs/"), template),
        },
      );
    await run("https://one.example.com/{file}");
    expect((await firstHit(store, "kites")).url).toBe("https://one.example.com/guide.md");
    await run("https://two.example.com/{path}");
    expect((await firstHit(store, "kites")).url).toBe("https://two.example.com/guide");
  });

  it("leaves documents without a template as they were: no URL", async () => {
    const store = new FsObjectStore(await tempDir());
    const folder = await folderWith({ "a.md": "# A\n\nKites." });
    await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "c", source: new LocalFolderSource(folder) },
    );
    expect((await firstHit(store, "kites")).url ?? null).toBeNull();
  });
});
