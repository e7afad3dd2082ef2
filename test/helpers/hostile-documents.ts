import { DEFAULT_MAX_DOCUMENT_BYTES } from "../../functions/core/normalize.js";

const LIMIT = DEFAULT_MAX_DOCUMENT_BYTES;
const fill = (unit: string, bytes = LIMIT - 64) => unit.repeat(Math.floor(bytes / unit.length));
/** Distinct words (`title0 title1 …`) filling about `bytes`. */
function words(prefix: string, bytes: number): string {
  const out: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    out.push(`${prefix}${i}`);
    n += prefix.length + String(i).length + 1;
  }
  return out.join(" ");
}

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
  // Title and heading lines as long as the document: each chunk used to carry (and tokenize) the whole line.
  "long-title.md": `# ${words("title", LIMIT / 2 - 64)}\n\n${words("body", LIMIT / 2 - 64)}`,
  "control-title.md": `# x${fill("\u0001", LIMIT / 2)}\n\nrollback deploy\n`,
  "long-headings.md": fill(`## ${words("h", 60_000)}\n\n${words("b", 4_000)}\n\n`),
  // Lists nested by indentation alone, one level a line: marked re-lexes the rest of the text at each level.
  "indented-list-tabs.md": Array.from({ length: 800 }, (_, i) => `${"\t".repeat(i)}- x`).join("\n"),
  "indented-list-spaces.md": Array.from({ length: 600 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n"),
  "bracket-heading.md": `# ${fill("[", LIMIT / 2)}\n\n${words("body", LIMIT / 2 - 64)}`,
};
