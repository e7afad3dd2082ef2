/**
 * Links for documents whose source has none of its own (a folder, an S3 prefix): a template such as
 * `https://handbook.example.com/{path}` gives each document the URL where people read it, so citations are
 * clickable. `{path}` is the document's path without its extension (`on-call/rotation`), `{file}` the path as it
 * is (`on-call/rotation.md`); each segment is URL-encoded.
 */
import type { Source, SourceDocument, UnchangedDocument } from "../../core/ports.js";

const PLACEHOLDER = /\{(path|file)\}/g;

/** `path` placed in `template`. */
export function expandUrlTemplate(template: string, path: string): string {
  const encode = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  return template.replace(PLACEHOLDER, (_m, name: string) =>
    encode(name === "file" ? path : path.replace(/\.(md|markdown|mdx|html?|txt)$/i, "")),
  );
}

/** `source` with each document's URL made from `template` (the source's own URL, if any, is replaced). */
export function withUrlTemplate(source: Source, template: string): Source {
  return {
    type: source.type,
    origin: source.origin,
    urlTemplate: template,
    cursor: () => source.cursor(),
    async *documents(known?: ReadonlyMap<string, string>) {
      for await (const doc of source.documents(known)) {
        yield { ...doc, url: expandUrlTemplate(template, doc.path) } as SourceDocument | UnchangedDocument;
      }
    },
  };
}
