import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ChunkCardWriter,
  RangedChunkCards,
  RangedTextStore,
  TextStore,
  TextStoreWriter,
  encodeChunkTable,
  openChunkTable,
  type ChunkCard,
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

/** A file read by range, each read logged. */
function rangesOf(bytes: Uint8Array) {
  const reads: [number, number][] = [];
  const read = async (start: number, end: number) => {
    reads.push([start, end]);
    return bytes.slice(start, end);
  };
  return { reads, read };
}

const longTexts = fc.array(
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 200 }),
    fc.integer({ min: 17_000, max: 60_000 }).map((n) => "é€a".repeat(Math.ceil(n / 3)).slice(0, n)),
  ),
  { maxLength: 8 },
);

describe("texts.bin read by range", () => {
  it("reads what the whole file reads, each text in one range of the blocks it spans, kept ones not again (property)", async () => {
    await fc.assert(
      fc.asyncProperty(longTexts, async (texts) => {
        const writer = new TextStoreWriter();
        const refs = texts.map((t) => writer.append(t));
        const { reads, read } = rangesOf(writer.finish());
        const ranged = await RangedTextStore.open(read);
        expect(reads).toHaveLength(1);
        for (let i = texts.length - 1; i >= 0; i--) {
          const before = reads.length;
          expect(await ranged.text(refs[i]!)).toBe(texts[i]);
          expect(reads.length - before).toBeLessThanOrEqual(1);
        }
        // The text read last again: its blocks are the most recently kept.
        const before = reads.length;
        if (texts.length) expect(await ranged.text(refs[0]!)).toBe(texts[0]);
        expect(reads.length).toBe(before);
      }),
      { numRuns: 30 },
    );
  });

  it("refuses a file that is not texts.bin, one cut short, and a range outside it", async () => {
    const writer = new TextStoreWriter();
    const ref = writer.append("hello world");
    const bytes = writer.finish();
    await expect(RangedTextStore.open(rangesOf(new TextEncoder().encode("{}")).read)).rejects.toThrow(
      BundleIntegrityError,
    );
    const short = await RangedTextStore.open(rangesOf(bytes.subarray(0, bytes.length - 2)).read);
    await expect(short.text(ref)).rejects.toThrow(/truncated/);
    const whole = await RangedTextStore.open(rangesOf(bytes).read);
    await expect(whole.text({ start: 0, length: 99 })).rejects.toThrow(/outside texts.bin/);
  });
});

describe("cards.bin", () => {
  const document = (i: number): ChunkCard["document"] => ({
    id: `d${i}`,
    path: `docs/${i}.md`,
    title: `Document ${i}`,
    source: "local",
    contentHash: "0".repeat(64),
    firstChunk: i,
    chunkCount: 1,
    textRef: { start: 0, length: 0 },
    ...(i % 2 ? { url: `https://example.com/${i}`, metadata: { type: "page" } } : {}),
  });

  it("reads each chunk's card by range, in a few reads, as it was written (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        longTexts,
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }),
        async (texts, headingPath) => {
          const writer = new ChunkCardWriter();
          const cards = texts.map((text, label) => ({
            doc: label >> 1,
            document: document(label >> 1),
            headingPath,
            tokens: label,
            text,
          }));
          cards.forEach((card) => writer.add(card));
          const { reads, read } = rangesOf(writer.finish());
          const ranged = await RangedChunkCards.open(read);
          expect(ranged.length).toBe(cards.length);
          expect(reads).toHaveLength(2);
          for (let label = cards.length - 1; label >= 0; label--)
            expect(await ranged.card(label)).toEqual(cards[label]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("refuses a file that is not cards.bin, a card it does not have, and a card that is not one", async () => {
    const writer = new ChunkCardWriter();
    writer.add({ doc: 0, document: document(0), headingPath: [], tokens: 1, text: "hello" });
    const bytes = writer.finish();
    await expect(RangedChunkCards.open(rangesOf(new TextEncoder().encode("THOTHTX2")).read)).rejects.toThrow(
      BundleIntegrityError,
    );
    const ranged = await RangedChunkCards.open(rangesOf(bytes).read);
    await expect(ranged.card(1)).rejects.toThrow(/no card 1/);
    // A card whose JSON is not a card: a stream written by hand in the same format.
    const bad = new ChunkCardWriter() as unknown as { add(card: unknown): void; finish(): Uint8Array };
    bad.add({ doc: -1, document: document(0), headingPath: [], tokens: 1, text: "x" });
    const refused = await RangedChunkCards.open(rangesOf(bad.finish()).read);
    await expect(refused.card(0)).rejects.toThrow(/does not match/);
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
