import { describe, expect, it } from "vitest";
import {
  MAX_HTML_DEPTH,
  maxNestingDepth,
  normalizeDocument,
  stripElements,
} from "../../../functions/core/normalize.js";
import { MAX_TITLE_CHARS, label } from "../../../functions/core/labels.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("normalizeDocument", () => {
  it("takes the title from front matter, then the first H1, then the file name", () => {
    const front = normalizeDocument({
      path: "a.md",
      bytes: bytes("---\ntitle: From Front\n---\n# H1\n\nbody"),
    });
    expect(front).toMatchObject({ ok: true, document: { title: "From Front", text: "# H1\n\nbody" } });
    expect(normalizeDocument({ path: "a.md", bytes: bytes("# The H1\n\nbody") })).toMatchObject({
      document: { title: "The H1" },
    });
    expect(normalizeDocument({ path: "dir/time-off_policy.txt", bytes: bytes("plain") })).toMatchObject({
      document: { title: "Time off policy" },
    });
  });

  it("turns HTML into Markdown without scripts or styles", () => {
    const html =
      "<html><head><title>Net &amp; Wi-Fi</title><style>p{}</style></head><body><h1>Net</h1><p>Use <b>VPN</b>.</p><script>evil()</script></body></html>";
    const result = normalizeDocument({ path: "x.html", bytes: bytes(html) });
    expect(result).toMatchObject({ ok: true, document: { title: "Net & Wi-Fi" } });
    if (!result.ok) throw new Error("expected ok");
    expect(result.document.text).toContain("# Net");
    expect(result.document.text).toContain("**VPN**");
    expect(result.document.text).not.toContain("evil");
  });

  it.each([
    ["binary content", { path: "a.md", bytes: new Uint8Array([0x89, 0x50, 0x00, 0x47]) }],
    ["not valid UTF-8", { path: "a.md", bytes: new Uint8Array([0x68, 0xff, 0xfe, 0x69]) }],
    ["unsupported file type", { path: "image.png", bytes: bytes("x") }],
    ["empty document", { path: "a.md", bytes: bytes("  \n\n ") }],
  ])("rejects %s", (reason, doc) => {
    expect(normalizeDocument(doc)).toEqual({ ok: false, reason });
  });

  it("rejects documents over the size limit", () => {
    expect(normalizeDocument({ path: "a.md", bytes: bytes("x".repeat(101)) }, 100)).toEqual({
      ok: false,
      reason: "too large (101 bytes; limit 100)",
    });
  });
});

describe("linear-time HTML helpers", () => {
  it("strips script, style and head elements, an unclosed one to the end, without touching look-alikes", () => {
    expect(
      stripElements("a<script>x</script>b<scripts>c</scripts><STYLE>y</Style>d", ["script", "style"]),
    ).toBe("ab<scripts>c</scripts>d");
    expect(stripElements("keep<script>never closed", ["script"])).toBe("keep");
    expect(stripElements("<script".repeat(100_000), ["script"])).toBe("");
  });

  it("measures tag nesting, ignoring void elements and tags HTML lets authors leave open", () => {
    expect(maxNestingDepth("<div><p>a<p>b<div><br><img src=x></div></div>")).toBe(2);
    expect(maxNestingDepth("<b>".repeat(1000))).toBe(1000);
    expect(maxNestingDepth("<a ".repeat(100_000))).toBe(0);
  });

  it("reduces HTML nested deeper than any page to its text", () => {
    const deep = normalizeDocument({
      path: "deep.html",
      bytes: new TextEncoder().encode(`${"<div>".repeat(MAX_HTML_DEPTH + 1)}deep text`),
    });
    expect(deep).toEqual({ ok: true, document: { title: "Deep", text: "deep text" } });
  });
});

describe("titles and headings are bounded, printable lines (labels.ts)", () => {
  it("cuts a 1 MB title line to MAX_TITLE_CHARS at a word and drops control characters", () => {
    const words = Array.from({ length: 100_000 }, (_, i) => `word${i}`).join(" ");
    const long = normalizeDocument({ path: "t.md", bytes: bytes(`# ${words}\n\nbody`) });
    expect(long.ok && long.document.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(long.ok && long.document.title).toMatch(/^word0 word1 .* word\d+…$/);
    const control = normalizeDocument({
      path: "t.md",
      bytes: bytes(`# x${"\x01".repeat(1_000_000)}\n\nrollback deploy\n`),
    });
    expect(control).toMatchObject({ ok: true, document: { title: "x" } });
    expect(control.ok && control.document.text).toBe("# x\n\nrollback deploy");
    const given = normalizeDocument({ path: "t.md", title: "A\u202e\tB\n", bytes: bytes("body") });
    expect(given).toMatchObject({ document: { title: "A B" } });
  });

  it("label keeps short text, never splits a surrogate pair, and ends a cut text with an ellipsis", () => {
    expect(label("  Time\u0000 off  ", 200)).toBe("Time off");
    expect(label("😀".repeat(300), 11)).toBe(`${"😀".repeat(5)}…`);
    expect(label("a".repeat(5000), 10)).toBe(`${"a".repeat(9)}…`);
    expect(label(`short${"\u0001".repeat(5000)}`, 10)).toBe("short…");
  });
});
