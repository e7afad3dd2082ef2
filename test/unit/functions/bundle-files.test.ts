import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  TextStore,
  TextStoreWriter,
  encodeChunkTable,
  openChunkTable,
  type ChunkEntry,
} from "../../../functions/core/bundle-files.js";
import { BundleIntegrityError } from "../../../functions/core/errors.js";

describe("texts.bin", () => {
  it("reads back every text by its range, across block boundaries and split multi-byte characters (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: "grapheme", maxLength: 200 }),
            // Long texts span several 16 KiB blocks; "é" and "€" are 2 and 3 bytes, so some split at a boundary.
            fc.integer({ min: 60_000, max: 200_000 }).map((n) => "é€a".repeat(Math.ceil(n / 3)).slice(0, n)),
          ),
          { maxLength: 12 },
        ),
        (texts) => {
          const writer = new TextStoreWriter();
          const refs = texts.map((t) => writer.append(t));
          const store = TextStore.open(writer.finish());
          // In reverse order, so blocks come from the cache and from inflating alike.
          for (let i = texts.length - 1; i >= 0; i--) expect(store.read(refs[i]!)).toBe(texts[i]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("is smaller than the text it holds", () => {
    const writer = new TextStoreWriter();
    const text = "The on-call engineer acknowledges the page within five minutes. ".repeat(5000);
    writer.append(text);
    expect(writer.finish().length).toBeLessThan(text.length / 5);
  });

  it("refuses a file that is not texts.bin, is cut short, or a range outside it", () => {
    const writer = new TextStoreWriter();
    const ref = writer.append("hello");
    const bytes = writer.finish();
    expect(() => TextStore.open(new TextEncoder().encode("{}"))).toThrow(BundleIntegrityError);
    expect(() => TextStore.open(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => TextStore.open(bytes).read({ start: ref.start, length: 6 })).toThrow(/outside texts.bin/);
  });
});

describe("chunks.bin", () => {
  it("round-trips documents, heading paths, token counts and texts", () => {
    const writer = new TextStoreWriter();
    const entries: ChunkEntry[] = [
      { doc: 0, headingPath: ["Time off", "Vacation"], tokens: 12, text: writer.append("Take 30 days.") },
      { doc: 0, headingPath: ["Time off", "Vacation"], tokens: 3, text: writer.append("") },
      { doc: 2, headingPath: [], tokens: 7, text: writer.append("Deploys: never on Fridays ✓") },
    ];
    const texts = TextStore.open(writer.finish());
    const table = openChunkTable(encodeChunkTable(entries), texts);
    expect(table.length).toBe(3);
    expect(
      [0, 1, 2].map((l) => [table.docIndex(l), table.headingPath(l), table.tokens(l), table.text(l)]),
    ).toEqual([
      [0, ["Time off", "Vacation"], 12, "Take 30 days."],
      [0, ["Time off", "Vacation"], 3, ""],
      [2, [], 7, "Deploys: never on Fridays ✓"],
    ]);
  });

  it("refuses a table with missing or extra bytes", () => {
    const writer = new TextStoreWriter();
    const bytes = encodeChunkTable([{ doc: 0, headingPath: ["A"], tokens: 1, text: writer.append("a") }]);
    const texts = TextStore.open(writer.finish());
    expect(() => openChunkTable(bytes.subarray(0, bytes.length - 4), texts)).toThrow(/truncated/);
    expect(() => openChunkTable(new Uint8Array([...bytes, 0, 0, 0, 0]), texts)).toThrow(/trailing/);
  });
});
