/**
 * Stage 1 for one document: what becomes of a document the source hands over. It is skipped with its reason,
 * or reuses the previous version's chunks and vectors (same content, same chunking), or is parsed (under the
 * parser's time budget) and chunked. The collect stage (stages.ts) is a short loop over this.
 */
import { sha256, type DocumentRecord, type StoredDocument } from "../core/bundle.js";
import { chunkSections, type ChunkingOptions, type TextChunk } from "../core/chunking.js";
import { MAX_PATH_CHARS, hasUnprintable, label, shownUrl } from "../core/labels.js";
import type { SourceDocument, UnchangedDocument } from "../core/ports.js";
import type { SourceType } from "../../shared/types.js";
import { ParseBudgetError, type DocumentParser } from "./document-parser.js";
import type { PreviousVersion } from "./previous-version.js";

/** What one source document becomes. */
export type Prepared =
  | { kind: "skip"; path: string; reason: string }
  /** The previous version's document (its source facts refreshed), whose chunks and vectors are taken as they are. */
  | { kind: "reuse"; document: StoredDocument }
  /** A document to index: its record (without its place in the chunk list) and its chunks. */
  | { kind: "new"; document: Omit<DocumentRecord, "firstChunk" | "chunkCount">; chunks: TextChunk[] };

export interface PrepareContext {
  /** Paths seen so far in this run: a second document with one is a duplicate. `prepareDocument` adds to it. */
  paths: Set<string>;
  parser: DocumentParser;
  chunking: ChunkingOptions;
  maxDocumentBytes: number;
  sourceType: SourceType;
}

/** A document's id: stable across runs for the same path, safe in URIs. */
export function documentId(path: string): string {
  return sha256(path).slice(0, 16);
}

export async function prepareDocument(
  raw: SourceDocument | UnchangedDocument,
  previous: PreviousVersion | undefined,
  context: PrepareContext,
): Promise<Prepared> {
  const skip = (reason: string, path = raw.path): Prepared => ({ kind: "skip", path, reason });
  if (context.paths.has(raw.path)) return skip("duplicate path");
  context.paths.add(raw.path);
  const badPath = pathProblem(raw.path);
  if (badPath) return skip(badPath, label(raw.path, MAX_PATH_CHARS));
  const prev = previous?.sameChunking ? previous.docsByPath.get(raw.path) : undefined;
  if ("unchanged" in raw)
    return prev
      ? { kind: "reuse", document: shownUrl(raw.url) ? { ...prev, url: raw.url! } : prev }
      : skip("reported unchanged, but the previous version cannot be reused");
  if (raw.skip) return skip(raw.skip);

  const normalized = await budgeted(() => context.parser.normalize(raw, context.maxDocumentBytes));
  if (typeof normalized === "string") return skip(normalized);
  if (!normalized.ok) return skip(normalized.reason);
  const { title, text } = normalized.document;
  const contentHash = sha256(text);
  const facts = {
    title,
    ...(shownUrl(raw.url) ? { url: raw.url } : {}),
    ...(raw.updatedAt ? { updatedAt: raw.updatedAt } : {}),
    ...(raw.revision ? { revision: raw.revision } : {}),
    ...(raw.metadata ? { metadata: raw.metadata } : {}),
  };
  if (prev && prev.contentHash === contentHash && prev.title === title) {
    const { url: _u, updatedAt: _t, revision: _r, metadata: _m, ...kept } = prev;
    return { kind: "reuse", document: { ...kept, ...facts } };
  }
  // One document the parser cannot take (nesting over the limit, a shape that takes longer than the budget)
  // is skipped and reported, not fatal.
  const sections = await budgeted(() => context.parser.sections(text));
  if (typeof sections === "string") return skip(`cannot be chunked (${sections})`);
  if (!sections.ok) return skip(`cannot be chunked (${sections.reason})`);
  return {
    kind: "new",
    document: {
      id: documentId(raw.path),
      path: raw.path,
      source: context.sourceType,
      contentHash,
      ...facts,
      text,
    },
    chunks: chunkSections(sections.sections, context.chunking),
  };
}

/** The parser's answer, or the reason it ran out of its budget (any other failure goes up). */
async function budgeted<T>(parse: () => Promise<T>): Promise<T | string> {
  try {
    return await parse();
  } catch (error) {
    if (error instanceof ParseBudgetError) return error.message;
    throw error;
  }
}

/** Why a source path cannot name a document (it is an id and is shown as it is), or undefined when it can. */
function pathProblem(path: string): string | undefined {
  if (path.length > MAX_PATH_CHARS)
    return `path too long (${path.length} characters; limit ${MAX_PATH_CHARS})`;
  if (hasUnprintable(path)) return "path holds control characters";
  return undefined;
}
