/**
 * A benchmark corpus of real English: sentences from the SciFact abstracts (BEIR's train split, for evaluation
 * and measurement only, never shipped) and from a real company handbook (Sourcegraph's, Apache-2.0), both from
 * the materials beside the repository (SHARED below; CI has them), sampled with a seed into documents of five sections
 * of five consecutive sentences each: the shape the scale issue was measured on. Queries are long natural
 * language: SciFact's claims and 10–20-word stretches of handbook sentences.
 */
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../tiny-model.js";
import type { SyntheticDocument } from "./corpus.js";

const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared");
export const SCIFACT = join(SHARED, "eval/scifact-train");
export const HANDBOOK = join(SHARED, "corpora/sourcegraph-handbook");

export const SECTIONS = 5;
export const SENTENCES_PER_SECTION = 5;

/** A run of sentences from one source text, in order, and headings to title it with. */
interface Passage {
  title: string;
  sentences: string[];
}

export interface TextPool {
  passages: Passage[];
  headings: string[];
  queries: string[];
}

const SENTENCE_END = /(?<=[.!?])\s+(?=[A-Z0-9"“(])/u;

function sentencesOf(text: string): string[] {
  return text
    .split(SENTENCE_END)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter((s) => s.length >= 30 && s.length <= 600);
}

async function markdownFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await markdownFiles(path)));
    else if (entry.name.endsWith(".md")) out.push(path);
  }
  return out.sort();
}

/** Plain prose of a handbook page: no front matter, code, HTML, tables or link targets. */
function prose(markdown: string): { headings: string[]; text: string } {
  const headings: string[] = [];
  const lines: string[] = [];
  let code = false;
  for (const line of markdown.replace(/^---\n[\s\S]*?\n---\n/, "").split("\n")) {
    if (line.startsWith("```")) code = !code;
    if (code || line.startsWith("|") || line.startsWith("<")) continue;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      headings.push(heading[1]!.replace(/[`*_[\]]/g, "").trim());
      lines.push("");
      continue;
    }
    lines.push(
      line
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/[`*_>]/g, "")
        .replace(/^\s*(\d+\.|-)\s+/, ""),
    );
  }
  return { headings: headings.filter((h) => h.length > 2), text: lines.join("\n") };
}

/** Reads both sources (a second or two). */
export async function loadTextPool(): Promise<TextPool> {
  const passages: Passage[] = [];
  const headings: string[] = [];
  const queries: string[] = [];
  for (const line of (await readFile(join(SCIFACT, "corpus.jsonl"), "utf8")).split("\n")) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { title: string; text: string };
    const sentences = sentencesOf(doc.text);
    if (sentences.length) passages.push({ title: doc.title.replace(/\.$/, ""), sentences });
  }
  for (const path of await markdownFiles(HANDBOOK)) {
    const { headings: h, text } = prose(await readFile(path, "utf8"));
    headings.push(...h);
    for (const paragraph of text.split(/\n\s*\n/)) {
      const sentences = sentencesOf(paragraph.replace(/\n/g, " "));
      if (sentences.length) passages.push({ title: h[0] ?? "Handbook", sentences });
      for (const s of sentences) {
        // A 10–20-word stretch of a long handbook sentence, as someone would half-remember it.
        const words = s.split(" ");
        if (words.length >= 12) queries.push(words.slice(0, 10 + (words.length % 11)).join(" "));
      }
    }
  }
  const claims = (await readFile(join(SCIFACT, "queries.jsonl"), "utf8"))
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);
  // Alternate: a claim, a handbook stretch, ...
  const handbookQueries = queries;
  const mixed: string[] = [];
  for (let i = 0; i < Math.max(claims.length, handbookQueries.length); i++) {
    if (claims[i]) mixed.push(claims[i]!);
    if (handbookQueries[i]) mixed.push(handbookQueries[i]!);
  }
  return { passages, headings: [...new Set(headings)], queries: mixed };
}

/**
 * `documents` documents of SECTIONS sections, each SENTENCES_PER_SECTION consecutive sentences of one
 * passage (wrapping round it), under a heading from the handbook. The same seed gives the same corpus.
 */
export function realCorpus(pool: TextPool, documents: number, seed = 42): SyntheticDocument[] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const docs: SyntheticDocument[] = [];
  for (let d = 0; d < documents; d++) {
    const lead = pick(pool.passages);
    const sections = Array.from({ length: SECTIONS }, (_, s) => {
      const passage = s === 0 ? lead : pick(pool.passages);
      const start = Math.floor(rand() * passage.sentences.length);
      const body = Array.from(
        { length: SENTENCES_PER_SECTION },
        (_, i) => passage.sentences[(start + i) % passage.sentences.length]!,
      ).join(" ");
      return `## ${pick(pool.headings)}\n\n${body}`;
    });
    docs.push({
      path: `doc-${String(d).padStart(6, "0")}.md`,
      text: `# ${lead.title}\n\n${sections.join("\n\n")}\n`,
    });
  }
  return docs;
}

/** Chunks per document of this corpus (5 sections of 5 sentences), measured at 20,000 documents. */
export const CHUNKS_PER_DOCUMENT = 6.28;

/** How many documents make about `chunks` chunks. */
export function documentsFor(chunks: number): number {
  return Math.max(1, Math.round(chunks / CHUNKS_PER_DOCUMENT));
}

/** `count` queries from the pool, sampled with a seed. */
export function realQueries(pool: TextPool, count: number, seed = 7): string[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => pool.queries[Math.floor(rand() * pool.queries.length)]!);
}
