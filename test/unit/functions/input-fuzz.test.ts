import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkMarkdown, estimateTokens } from "../../../functions/core/chunking.js";
import { normalizeDocument } from "../../../functions/core/normalize.js";
import { ApiKeySettingError, parseApiKeyEntries } from "../../../shared/api-keys.js";

/** Key settings as careless operators write them: valid lists, and the same with one edit that breaks them. */
const keySetting = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.stringMatching(/^k_[A-Za-z0-9]{4,10}$/),
        fc.record({
          key: fc.stringMatching(/^k_[A-Za-z0-9]{4,10}$/),
          collections: fc.oneof(
            fc.array(fc.stringMatching(/^[a-z]{1,6}$/)),
            fc.constant("a"),
            fc.constant(null),
          ),
        }),
        fc.jsonValue(),
      ),
      { maxLength: 4 },
    )
    .chain((list) =>
      fc.tuple(
        fc.constant(JSON.stringify(list)),
        fc.nat(),
        fc.constantFrom("", ",", "]", '"', "}", " ", "x"),
      ),
    )
    .map(([text, at, edit]) => {
      const i = at % (text.length + 1);
      return edit === "" ? text : `${text.slice(0, i)}${edit}${text.slice(i)}`;
    }),
  fc.string({ maxLength: 40 }),
);

describe("key settings, generated", () => {
  it("either parse exactly as JSON says, or are refused: never read as fragments", () => {
    fc.assert(
      fc.property(keySetting, (setting) => {
        let entries;
        try {
          entries = parseApiKeyEntries(setting);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiKeySettingError);
          // Keys (generated with a k_ prefix) never appear in the message: it says where, not what.
          expect((error as Error).message).not.toContain("k_");
          return;
        }
        const text = setting.trim();
        for (const entry of entries) {
          expect(entry.key).toMatch(/^[^\s,]+$/);
          if (entry.collections) expect(entry.collections.length).toBeGreaterThan(0);
        }
        if (text.startsWith("[") || text.startsWith("{")) {
          const json = JSON.parse(text) as unknown;
          const list = (Array.isArray(json) ? json : (json as { keys: unknown[] }).keys) as unknown[];
          expect(entries.map((e) => e.key)).toEqual(
            list.map((item) => (typeof item === "string" ? item : (item as { key: string }).key)),
          );
        } else {
          expect(entries.map((e) => e.key)).toEqual(
            text
              .split(/[,\n]/)
              .map((k) => k.trim())
              .filter(Boolean),
          );
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

/** Documents built from the shapes that once made indexing super-linear, mixed with prose, in bulk. */
const hostileDocument = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.constantFrom(
          "> ",
          "_a",
          "*a",
          "<b>",
          "<div>",
          "</div>",
          " ",
          "\t",
          "#",
          "`",
          "[a](",
          "<script",
          "<title",
          "- ",
          "\n",
          "word ",
        ),
        fc.integer({ min: 1, max: 20_000 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.constantFrom("md", "html", "txt"),
  )
  .map(([parts, ext]) => ({
    path: `doc.${ext}`,
    text: parts.map(([unit, n]) => unit.repeat(n)).join("\nSome prose.\n"),
  }));

describe("hostile documents, generated", () => {
  // Bounded time: a super-linear shape shows as this test's time-out (120 s; the 60 runs take a few seconds).
  it("normalize and chunk in bounded time, or fail with an error the pipeline reports", () => {
    fc.assert(
      fc.property(hostileDocument, ({ path, text }) => {
        const normalized = normalizeDocument({ path, bytes: new TextEncoder().encode(text) });
        if (normalized.ok) {
          try {
            const chunks = chunkMarkdown(normalized.document.text, {
              maxTokens: 256,
              overlapTokens: 32,
              countTokens: estimateTokens,
            });
            expect(Array.isArray(chunks)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError);
          }
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
