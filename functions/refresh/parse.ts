/**
 * The parsing steps of a refresh that run third-party parsers on untrusted text (node-html-markdown, marked):
 * normalize a source document, and split Markdown into sections. Plain data in, plain data out, so they can
 * run in a worker thread under a time budget (document-parser.ts).
 */
import { parseSections, type Section } from "../core/chunking.js";
import { normalizeDocument, type NormalizeResult } from "../core/normalize.js";
import type { SourceDocument } from "../core/ports.js";

/** Markdown's sections, or why it cannot be split (nesting over the limit, a parser failure). */
export type SectionsResult = { ok: true; sections: Section[] } | { ok: false; reason: string };

export type ParseTask =
  { kind: "normalize"; doc: SourceDocument; maxBytes: number } | { kind: "sections"; markdown: string };

/** What a task gives: a normalized document, or sections. */
export type ParseResult<T extends ParseTask> = T extends { kind: "normalize" }
  ? NormalizeResult
  : SectionsResult;

export function runParseTask<T extends ParseTask>(task: T): ParseResult<T> {
  return (
    task.kind === "normalize" ? normalizeDocument(task.doc, task.maxBytes) : sections(task.markdown)
  ) as ParseResult<T>;
}

function sections(markdown: string): SectionsResult {
  try {
    return { ok: true, sections: parseSections(markdown) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
