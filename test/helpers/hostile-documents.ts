import { DEFAULT_MAX_DOCUMENT_BYTES } from "../../functions/core/normalize.js";

const LIMIT = DEFAULT_MAX_DOCUMENT_BYTES;
const fill = (unit: string, bytes = LIMIT - 64) => unit.repeat(Math.floor(bytes / unit.length));

/** Every shape that made indexing super-linear or crashed it, at the size limit (or the stated size). */
export const HOSTILE_DOCUMENTS: Record<string, string> = {
  "spaces-without-newline.md": `# Spaces\n\n${fill(" ")}x`,
  "tabs-then-newline.txt": `${fill("\t \t ")}\nend`,
  "nested-blockquotes.md": `${"> ".repeat(2000)}deep`,
  "nested-blockquotes-large.md": `${fill("> ", 400_000)}deep`,
  "emphasis-run.md": `# Emphasis\n\n${fill("_a")}`,
  "star-run.md": `${fill("*a")}`,
  "unclosed-bold.html": `<html><body>${fill("<b>")}</body></html>`,
  "deep-divs.html": `<html><body>${fill("<div>")}text</body></html>`,
  "unclosed-script.html": fill("<script"),
  "unclosed-title.html": fill("<title"),
  "open-angles.html": fill("<a "),
  "hash-lines.md": fill("#\n \n"),
  "brackets.md": fill("[a]("),
  "backticks.md": fill("`"),
  "nested-ordered-lists.md": fill("1. "),
  "nested-ordered-lists.html": fill("1. "),
  "nested-bullets.md": fill("- "),
  "image-openers.md": fill("![a]("),
  "cdata.md": fill("<![CDATA["),
  "comments.html": fill("<!--"),
  "line-breaks.html": fill("<br>"),
  "numbered-sentences.txt": fill("1. "),
};
