/** Turns a source document's bytes into clean Markdown plus a title, or says why it cannot. */
import { NodeHtmlMarkdown } from "node-html-markdown";
import type { SourceDocument } from "./ports.js";

export const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

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
    return { ok: false, reason: `too large (${doc.bytes.byteLength} bytes; limit ${maxBytes})` };
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
    title ??= decodeEntities(/<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1]?.trim() ?? "");
    text = NodeHtmlMarkdown.translate(raw.replace(/<(script|style|head)\b[\s\S]*?<\/\1>/gi, ""));
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
  text = text
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  if (!text) return { ok: false, reason: "empty document" };
  title ||= /^#\s+(.+)$/m.exec(text)?.[1]?.trim() || titleFromPath(doc.path);
  return { ok: true, document: { title, text } };
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
