/**
 * Every short text a caller is shown about a document (title, heading, path, URL, description) is one line of
 * printable text of bounded length. Sources may hand us anything: a 1 MB first line, control characters (each
 * escapes to six bytes of JSON), bidirectional overrides. The caps here are applied where a document enters a
 * refresh (normalize, chunking, reuse of an older version) and again where it is shown, so a bundle built
 * before them reads the same way.
 */

/** A document's title, in characters. */
export const MAX_TITLE_CHARS = 200;
/** One heading of a heading path, in characters (Markdown has at most 6 levels, so a path stays short). */
export const MAX_HEADING_CHARS = 200;
/** A source path: longer ones are skipped when a refresh reads them (a path is an id, so it is never cut). */
export const MAX_PATH_CHARS = 1024;
/** A document's URL: a longer one is dropped (a cut URL would lead nowhere). */
export const MAX_URL_CHARS = 2048;
/** A source's description of a document (Sigma's), in characters. */
export const MAX_DESCRIPTION_CHARS = 1000;

/** Control characters, line and paragraph separators, and bidirectional embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNPRINTABLE_RUNS = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** Whether `text` holds a character that `label` would replace. */
export function hasUnprintable(text: string): boolean {
  return UNPRINTABLE.test(text);
}

/**
 * `text` as one printable line of at most `max` characters: runs of whitespace and unprintable characters
 * become one space, and a longer text is cut at a word break near the limit (never inside a surrogate pair),
 * ending in "…". Only the first `max * 4` characters are ever looked at, so the cost is bounded by `max`.
 */
export function label(text: string, max: number): string {
  let s = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const cut = s.length < text.length;
  s = s.replace(UNPRINTABLE_RUNS, " ").trim();
  if (s.length <= max && !cut) return s;
  if (s.length <= max) return `${s}…`;
  let end = max - 1;
  const space = s.lastIndexOf(" ", end);
  if (space > max / 2) end = space;
  else if (/[\uD800-\uDBFF]/.test(s[end - 1]!)) end--;
  return `${s.slice(0, end).trimEnd()}…`;
}

/** Text for a document's body: control characters other than tab and newline removed (form feeds, NULs…). */
export function withoutControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
}

/** A URL fit to show: one line, at most MAX_URL_CHARS; otherwise none. */
export function shownUrl(url: string | undefined): string | undefined {
  return url && url.length <= MAX_URL_CHARS && !/[\s]/.test(url) && !hasUnprintable(url) ? url : undefined;
}
