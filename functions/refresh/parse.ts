/**
 * The parsing steps of a refresh that run third-party parsers on untrusted text (node-html-markdown, marked):
 * normalize a source document, and split Markdown into sections. Plain data in, plain data out, so they can
 * run in a worker thread under a time budget (document-parser.ts).
 */
import { parseSections, type Section } from "../core/chunking.js";
import { normalizeDocument, type NormalizeResult } from "../core/normalize.js";
import type { SourceDocument } from "../core/ports.js";

export type ParseTask =
  { kind: "normalize"; doc: SourceDocument; maxBytes: number } | { kind: "sections"; markdown: string };

export type ParseResult =
  | { kind: "normalize"; result: NormalizeResult }
  | { kind: "sections"; ok: true; sections: Section[] }
  | { kind: "sections"; ok: false; reason: string };

export function runParseTask(task: ParseTask): ParseResult {
  if (task.kind === "normalize")
    return { kind: "normalize", result: normalizeDocument(task.doc, task.maxBytes) };
  try {
    return { kind: "sections", ok: true, sections: parseSections(task.markdown) };
  } catch (error) {
    return { kind: "sections", ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
