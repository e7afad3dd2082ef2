import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { tempDir } from "../helpers/folders.js";
import { HOSTILE_DOCUMENTS } from "../helpers/hostile-documents.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";

describe("hostile documents", () => {
  it("index in bounded time: each pathological shape at the size limit is indexed or skipped with its path and reason", async () => {
    const folder = await tempDir("thoth-hostile-");
    for (const [name, text] of Object.entries(HOSTILE_DOCUMENTS)) await writeFile(join(folder, name), text);
    await writeFile(join(folder, "normal.md"), "# Expenses\n\nSubmit receipts within 30 days of purchase.");
    const started = performance.now();
    const summary = await refreshCollection({
      collection: "hostile",
      source: new LocalFolderSource(folder),
      store: new MemoryObjectStore(),
      embedder: null,
      ...codecs,
    });
    const seconds = (performance.now() - started) / 1000;
    // Before: 47 s for 150 KB of spaces alone, 47 s for 6,000 <b>, a stack overflow that failed the whole run.
    expect(seconds).toBeLessThan(30);
    expect(summary.published).toBe(true);
    expect(summary.documentsSeen).toBe(Object.keys(HOSTILE_DOCUMENTS).length + 1);
    expect(summary.documentsIndexed + summary.documentsSkipped).toBe(summary.documentsSeen);
    for (const skip of summary.skipped) {
      expect(Object.keys(HOSTILE_DOCUMENTS), skip.path).toContain(skip.path);
      expect(skip.reason.length, skip.path).toBeGreaterThan(5);
    }
    const reasons = Object.fromEntries(summary.skipped.map((s) => [s.path, s.reason]));
    expect(reasons["nested-blockquotes.md"]).toBe(
      "cannot be chunked (blockquotes nested 2000 levels deep (limit 64))",
    );
    expect(reasons["nested-blockquotes-large.md"]).toMatch(/^cannot be chunked \(blockquotes nested/);
    expect(reasons["normal.md"]).toBeUndefined();
  }, 120_000);
});
