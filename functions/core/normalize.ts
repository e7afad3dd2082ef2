/** Turns a source document's bytes into clean Markdown plus a title, or says why it cannot. */
import { NodeHtmlMarkdown } from "node-html-markdown";
import { MAX_TITLE_CHARS, label, withoutControlCharacters } from "./labels.js";
import type { SourceDocument } from "./ports.js";

export const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/** Why a document over the size limit is skipped (sources say it before reading one; normalize after). */
export function tooLargeReason(bytes: number, limit: number): string {
  return `too large (${bytes} bytes; limit ${limit})`;
}

/** What a source yields for a document it will not read because of its size. */
export function skippedAsTooLarge(path: string, bytes: number, limit: number) {
  return { path, bytes: new Uint8Array(), skip: tooLargeReason(bytes, limit) };
}

const FORMAT_BY_EXTENSION: Record<string, "markdown" | "text" | "html"> = {
  md: "markdown",
  markdown: "markdown",
  mdx: "markdown",
  txt: "text",
  text: "text",
  html: "html",
  htm: "html",
};

export function formatOf(path: string): "markdown" | "text" | "html" | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? FORMAT_BY_EXTENSION[ext] : undefined;
}

export interface NormalizedDocument {
  title: string;
  /** Markdown (plain text is valid Markdown). */
  text: string;
}

export type NormalizeResult = { ok: true; document: NormalizedDocument } | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function normalizeDocument(
  doc: SourceDocument,
  maxBytes: number = DEFAULT_MAX_DOCUMENT_BYTES,
): NormalizeResult {
  const format = doc.format ?? formatOf(doc.path);
  if (!format) return { ok: false, reason: "unsupported file type" };
  if (doc.bytes.byteLength > maxBytes) {
    return { ok: false, reason: tooLargeReason(doc.bytes.byteLength, maxBytes) };
  }
  if (doc.bytes.subarray(0, 8192).includes(0)) return { ok: false, reason: "binary content" };
  let raw: string;
  try {
    raw = utf8.decode(doc.bytes);
  } catch {
    return { ok: false, reason: "not valid UTF-8" };
  }
  raw = raw.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");

  let title = doc.title;
  let text: string;
  if (format === "html") {
    title ??= decodeEntities(htmlTitle(raw));
    const body = stripElements(raw, ["script", "style", "head"]);
    // node-html-markdown's time grows with the cube of the nesting depth (6,000 unclosed <b> took 47 s); past a
    // depth no real page reaches, the text is kept and the markup dropped, in linear time.
    text = maxNestingDepth(body) > MAX_HTML_DEPTH ? stripTags(body) : NodeHtmlMarkdown.translate(body);
  } else if (format === "markdown") {
    const front = /^---\n([\s\S]*?)\n---\n?/.exec(raw);
    if (front) {
      raw = raw.slice(front[0].length);
      title ??= /^title:\s*["']?(.+?)["']?\s*$/m.exec(front[1]!)?.[1];
    }
    text = raw;
  } else {
    text = raw;
  }
  // Per line, not one regex over the text: /[ \t]+\n/ retries every position of a long run of spaces
  // without a newline (150 KB of spaces took 47 s).
  text = withoutControlCharacters(text)
    .split("\n")
    .map(trimLineEnd)
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (!text) return { ok: false, reason: "empty document" };
  // A title is one line of bounded length (labels.ts), whatever the source or the first heading holds.
  title = label(title ?? "", MAX_TITLE_CHARS);
  title ||= label(firstHeading(text), MAX_TITLE_CHARS) || label(titleFromPath(doc.path), MAX_TITLE_CHARS);
  return { ok: true, document: { title, text } };
}

/** The text of the first `# ` heading line, found without a regex over a line of any length. */
function firstHeading(text: string): string {
  for (let at = 0; at < text.length;) {
    const end = text.indexOf("\n", at);
    const line = text.slice(at, Math.min(end < 0 ? text.length : end, at + MAX_TITLE_CHARS * 4 + 2));
    if (/^#[ \t]+\S/.test(line)) return line.slice(1);
    if (end < 0) break;
    at = end + 1;
  }
  return "";
}

function trimLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** Deeper than any page people write; past it, HTML is reduced to its text (see normalizeDocument). */
export const MAX_HTML_DEPTH = 256;

/** Elements HTML lets authors leave open, and void elements: neither deepens the tree as written. */
const NO_DEPTH = new Set(
  "p li dt dd tr td th option thead tbody tfoot colgroup rb rt rp optgroup area base br col embed hr img input link meta source track wbr".split(
    " ",
  ),
);

/** The deepest nesting of open tags, in one pass (tag names only; `[^<>]*` keeps every match local). */
export function maxNestingDepth(html: string): number {
  let depth = 0;
  let max = 0;
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(\/?)>/g)) {
    const name = m[2]!.toLowerCase();
    if (NO_DEPTH.has(name) || m[3]) continue;
    if (m[1]) depth = Math.max(0, depth - 1);
    else max = Math.max(max, ++depth);
  }
  return max;
}

function stripTags(html: string): string {
  return decodeEntities(html.replace(/<[^<>]*>/g, " ").replace(/[ \t]+/g, " "));
}

/** The <title>, found with indexOf (a regex retried from every unclosed `<title` would be quadratic). */
function htmlTitle(html: string): string {
  const lower = html.toLowerCase();
  const open = lower.indexOf("<title");
  if (open < 0) return "";
  const start = lower.indexOf(">", open);
  const end = start < 0 ? -1 : lower.indexOf("</title", start);
  return end < 0 ? "" : html.slice(start + 1, end).trim();
}

/**
 * Removes these elements with their content, in one pass: each opening tag is matched to the next closing
 * tag of its name; an element left open runs to the end of the document (as browsers read it).
 */
export function stripElements(html: string, names: string[]): string {
  const lower = html.toLowerCase();
  let out = "";
  let at = 0;
  for (;;) {
    let next = -1;
    let name = "";
    for (const n of names) {
      let i = lower.indexOf(`<${n}`, at);
      while (i >= 0 && /[a-z0-9-]/.test(lower[i + n.length + 1] ?? "")) i = lower.indexOf(`<${n}`, i + 1);
      if (i >= 0 && (next < 0 || i < next)) [next, name] = [i, n];
    }
    if (next < 0) return out + html.slice(at);
    out += html.slice(at, next);
    const close = lower.indexOf(`</${name}`, next);
    if (close < 0) return out;
    const end = lower.indexOf(">", close);
    if (end < 0) return out;
    at = end + 1;
  }
}

function titleFromPath(path: string): string {
  const base = path
    .split("/")
    .pop()!
    .replace(/\.[^.]+$/, "");
  const words = base.replace(/[-_]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : path;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}
