/** Reading documents of loaded collections: by id or path, a page of text at a time, and paged listings. */
import type { SourceType } from "../../shared/types.js";
import type { StoredDocument } from "./bundle.js";
import { InvalidRequestError, NotFoundError } from "./errors.js";
import { MAX_DESCRIPTION_CHARS, MAX_PATH_CHARS, MAX_TITLE_CHARS, label, shownUrl } from "./labels.js";
import { truncate } from "./messages.js";
import { DEFAULT_PAGE_CHARS, type DocumentPage, type LoadedCollection } from "./read-model.js";
import { type DocumentListing } from "./contracts.js";

export interface DocumentRef {
  id?: string;
  path?: string;
}

/** A document by id or by path, in the first of `targets` that has it. */
export function findDocument(
  targets: LoadedCollection[],
  ref: DocumentRef,
): { collection: string; document: StoredDocument; text: () => string } {
  if (!ref.id && !ref.path) throw new InvalidRequestError("pass either id or path of the document");
  for (const c of targets) {
    const document = ref.id ? c.docsById.get(ref.id) : c.docsByPath.get(ref.path!.replace(/^\/+/, ""));
    if (document) return { collection: c.name, document, text: () => c.documentText(document) };
  }
  const what = ref.id ? `id "${truncate(ref.id)}"` : `path "${truncate(ref.path!)}"`;
  throw new NotFoundError(`no document with ${what}; use list_documents or search_documents to find one`);
}

/**
 * One page of a document's text, at most `maxChars` long and cut at a paragraph break where one is near;
 * `cursor` (a previous page's nextCursor) continues where that page ended.
 */
export function documentPage(
  targets: LoadedCollection[],
  ref: DocumentRef & { cursor?: string; maxChars?: number },
): DocumentPage {
  const { collection, document, text: read } = findDocument(targets, ref);
  const maxChars = Math.min(Math.max(1000, Math.floor(ref.maxChars ?? DEFAULT_PAGE_CHARS)), 100_000);
  const start = ref.cursor ? decodeCursor(ref.cursor) : 0;
  const text = read();
  if (start > text.length)
    throw new InvalidRequestError("the cursor is past the end of the document; start again without one");
  let end = Math.min(text.length, start + maxChars);
  if (end < text.length) {
    const paragraph = text.lastIndexOf("\n\n", end);
    if (paragraph > start + maxChars / 2) end = paragraph + 2;
  }
  return {
    collection,
    document: listing(collection, document),
    text: text.slice(start, end),
    totalChars: text.length,
    ...(end < text.length ? { nextCursor: encodeCursor(end) } : {}),
  };
}

export interface ListRequest {
  pathPrefix?: string;
  source?: SourceType;
  type?: string;
  limit?: number;
  cursor?: string;
}

/**
 * A listing page holds at most this many bytes of JSON as well as `limit` documents: every field is bounded
 * (labels.ts), so this only binds on many long paths, and the next page goes on from there.
 */
export const MAX_LISTING_PAGE_BYTES = 256 * 1024;

/**
 * Documents of `targets` sorted by collection then path, `limit` at a time and at most MAX_LISTING_PAGE_BYTES
 * (always at least one); `cursor` continues a page.
 */
export function listDocuments(
  targets: LoadedCollection[],
  request: ListRequest,
): { documents: DocumentListing[]; nextCursor?: string; total: number; offset: number } {
  const limit = Math.min(Math.max(1, Math.floor(request.limit ?? 50)), 200);
  const offset = request.cursor ? decodeCursor(request.cursor) : 0;
  const all = targets.flatMap((c) =>
    c.documents
      .filter(
        (d) =>
          (!request.pathPrefix || d.path.startsWith(request.pathPrefix)) &&
          (!request.source || d.source === request.source) &&
          (!request.type || d.metadata?.type === request.type),
      )
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((d) => listing(c.name, d)),
  );
  const page: DocumentListing[] = [];
  let bytes = 0;
  for (const d of all.slice(offset, offset + limit)) {
    bytes += Buffer.byteLength(JSON.stringify(d));
    if (page.length && bytes > MAX_LISTING_PAGE_BYTES) break;
    page.push(d);
  }
  const end = offset + page.length;
  const next = end < all.length ? encodeCursor(end) : undefined;
  return { documents: page, total: all.length, offset, ...(next ? { nextCursor: next } : {}) };
}

/** What every view of a document carries (listings, the document cache): who it is and where it came from. */
export function documentFacts(collection: string, d: StoredDocument) {
  const url = shownUrl(d.url);
  return {
    collection,
    id: d.id,
    path: label(d.path, MAX_PATH_CHARS),
    title: label(d.title, MAX_TITLE_CHARS),
    source: d.source,
    ...(url ? { url } : {}),
    ...(d.updatedAt ? { updatedAt: d.updatedAt } : {}),
  };
}

function listing(collection: string, d: StoredDocument): DocumentListing {
  return {
    ...documentFacts(collection, d),
    ...(d.metadata?.type ? { type: d.metadata.type } : {}),
    ...(d.metadata?.description ? { description: label(d.metadata.description, MAX_DESCRIPTION_CHARS) } : {}),
  };
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

function decodeCursor(cursor: string): number {
  try {
    const o = (JSON.parse(Buffer.from(cursor, "base64url").toString()) as { o?: unknown }).o;
    if (typeof o === "number" && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError("the cursor is not valid; pass the nextCursor of a previous page, or none");
}
