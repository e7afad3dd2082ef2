import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadVersion, readPointer } from "../../functions/core/bundle.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { DEFAULT_MAX_DOCUMENT_BYTES } from "../../functions/core/normalize.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { ObjectStoreSource } from "../../functions/refresh/sources/object-store.js";
import { DocumentParser } from "../../functions/refresh/document-parser.js";

const LIMIT_FOR_TEST = 4 * 1024 * 1024;
import { tempDir } from "../helpers/folders.js";
import { HOSTILE_DOCUMENTS } from "../helpers/hostile-documents.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

describe("hostile documents", () => {
  it("index in bounded time: each pathological shape at the size limit is indexed or skipped with its path and reason", async () => {
    const folder = await tempDir("thoth-hostile-");
    for (const [name, text] of Object.entries(HOSTILE_DOCUMENTS)) await writeFile(join(folder, name), text);
    await writeFile(join(folder, "normal.md"), "# Expenses\n\nSubmit receipts within 30 days of purchase.");
    // Each document parses under a budget (2 s here; 10 s by default), in a worker that is replaced when a
    // document overruns it: no shape, known or not, can hold the parse longer than that. What follows parsing
    // (chunking, the keyword index) must be linear in the bytes: a super-linear shape shows up as an index far
    // larger than its text (a 1 MB title line made an 86 MB keyword.bin) or as this test's time-out (about 15 s
    // is typical here; 47 s for 150 KB of spaces alone, 217 s for a 1.7 MB title line, before).
    const parser = new DocumentParser({ budgetMs: 2_000 });
    const store = new MemoryObjectStore();
    const summary = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "hostile", source: new LocalFolderSource(folder), parser },
    ).finally(() => parser.close());
    const { files } = await loadVersion(store, "hostile", (await readPointer(store, "hostile"))!);
    const textBytes = Object.values(HOSTILE_DOCUMENTS).reduce((n, t) => n + Buffer.byteLength(t), 0);
    expect(files.get("keyword.bin")!.byteLength).toBeLessThan(textBytes / 2);
    expect(summary.published).toBe(true);
    expect(summary.documentsSeen).toBe(Object.keys(HOSTILE_DOCUMENTS).length + 1);
    expect(summary.documentsIndexed + summary.documentsSkipped).toBe(summary.documentsSeen);
    for (const skip of summary.skipped) {
      expect(Object.keys(HOSTILE_DOCUMENTS), skip.path).toContain(skip.path);
      expect(skip.reason.length, skip.path).toBeGreaterThan(5);
    }
    const reasons = Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]));
    expect(reasons["nested-blockquotes.md"]).toBe(
      "cannot be chunked (blockquotes or lists nested 2000 levels deep (limit 64))",
    );
    expect(reasons["nested-blockquotes-large.md"]).toMatch(
      /^cannot be chunked \(blockquotes or lists nested/,
    );
    for (const indented of ["indented-list-tabs.md", "indented-list-spaces.md"])
      expect(reasons[indented], indented).toMatch(
        /^cannot be chunked \(blockquotes or lists nested \d+ levels/,
      );
    expect(reasons["normal.md"]).toBeUndefined();
  }, 300_000);
});

describe("the parse budget", () => {
  it("skips a document that overruns it, names it, and parses the next one in a fresh worker", async () => {
    const parser = new DocumentParser({ budgetMs: 300 });
    try {
      const slow = { path: "slow.html", bytes: new TextEncoder().encode("<br>".repeat(400_000)) };
      // The budget's own timer gives this message: the parse was stopped, not left to finish.
      await expect(parser.normalize(slow, LIMIT_FOR_TEST)).rejects.toThrow(
        "took longer than 300 ms to parse",
      );
      const next = await parser.sections(`# Next\n\n${"fine text ".repeat(3_000)}`);
      expect(next).toMatchObject({ ok: true, sections: [{ headingPath: ["Next"] }] });
    } finally {
      await parser.close();
    }
  });
});

describe("oversized files", () => {
  it("are skipped by their size, before they are read (a 3 GiB sparse file in a folder)", async () => {
    const folder = await tempDir("thoth-huge-");
    await writeFile(join(folder, "ok.md"), "# Fine\n\nSmall page.");
    const huge = join(folder, "huge.md");
    await writeFile(huge, "");
    await truncate(huge, 3 * 1024 ** 3);
    const summary = await refreshCollection(
      { store: new MemoryObjectStore(), embedder: null, ...codecs },
      { collection: "huge", source: new LocalFolderSource(folder) },
    );
    expect(summary.skipped).toEqual([
      { path: "huge.md", reason: `too large (${3 * 1024 ** 3} bytes; limit ${DEFAULT_MAX_DOCUMENT_BYTES})` },
    ]);
    expect(summary.documentsIndexed).toBe(1);
  });

  it("are skipped by the S3 listing's size, and unchanged objects by its ETag, without downloading either", async () => {
    const bucket = new MemoryObjectStore();
    await bucket.put("src/a.md", "# A\n\nAlpha.");
    await bucket.put("src/big.md", `# Big\n\n${"x".repeat(5_000)}`);
    const reads: string[] = [];
    const read = bucket.read.bind(bucket);
    bucket.read = async (key) => {
      reads.push(key);
      return read(key);
    };
    const store = new MemoryObjectStore();
    const source = () => new ObjectStoreSource(bucket, "src/", "s3://bucket/src/", "s3", 1_000);
    const first = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "s3", source: source() },
    );
    expect(first.skipped).toEqual([
      { path: "big.md", reason: expect.stringMatching(/^too large \(\d+ bytes; limit 1000\)$/) },
    ]);
    expect(reads).toEqual(["src/a.md"]);
    reads.length = 0;
    const second = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "s3", source: source() },
    );
    expect(second).toMatchObject({ published: false, documentsReused: 1 });
    expect(reads).toEqual([]);
  });
});

describe("hostile paths", () => {
  it("skips a path too long to show or holding control characters, with the reason, and indexes the rest", async () => {
    const bucket = new MemoryObjectStore();
    await bucket.put("src/ok.md", "# Fine\n\nSmall page.");
    await bucket.put(`src/${"d/".repeat(600)}deep.md`, "# Deep\n\ntext");
    await bucket.put("src/bell\u0007.md", "# Bell\n\ntext");
    const summary = await refreshCollection(
      { store: new MemoryObjectStore(), embedder: null, ...codecs },
      { collection: "paths", source: new ObjectStoreSource(bucket, "src/", "s3://b/src/", "s3") },
    );
    expect(summary.documentsIndexed).toBe(1);
    expect(summary.skipped.map((s) => s.reason).sort()).toEqual([
      "path holds control characters",
      "path too long (1207 characters; limit 1024)",
    ]);
    expect(summary.skipped.every((s) => s.path.length <= 1024 && !s.path.includes("\u0007"))).toBe(true);
  });
});
