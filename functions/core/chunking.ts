/**
 * Structure-aware chunking: Markdown is split at headings into sections, sections into blocks (paragraphs,
 * lists, code, tables), blocks into sentences or lines only when they exceed the budget. Pieces are packed
 * greedily into chunks of at most `maxTokens` model tokens; consecutive chunks of one section share up to
 * `overlapTokens` of trailing text. Every chunk keeps the heading path it sits under, for citations.
 */
import { Lexer } from "marked";
import { MAX_HEADING_CHARS, label } from "./labels.js";

export type TokenCounter = (text: string) => number;

export interface ChunkingOptions {
  maxTokens: number;
  overlapTokens: number;
  countTokens: TokenCounter;
}

export interface TextChunk {
  text: string;
  headingPath: string[];
  tokens: number;
}

export const DEFAULT_CHUNKING = { maxTokens: 200, overlapTokens: 32 } as const;

/**
 * A tokenizer-free estimate used when no model is loaded: one token per short word or punctuation mark, more
 * for long words (WordPiece splits them).
 */
export const estimateTokens: TokenCounter = (text) => {
  let n = 0;
  if (/[\u0080-\uffff]/.test(text)) {
    for (const m of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu))
      n += Math.max(1, Math.ceil(m[0].length / 6));
    return n;
  }
  // ASCII: the same count without a match object per word.
  let word = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) {
      word++;
      continue;
    }
    if (word) n += Math.ceil(word / 6);
    word = 0;
    // Punctuation counts one; whitespace (\s in ASCII: tab to carriage return, space) none.
    if (i < text.length && c !== 32 && !(c >= 9 && c <= 13)) n++;
  }
  return n;
};

interface Piece {
  text: string;
  tokens: number;
  /** What joins this piece to the one before it inside a chunk. */
  separator: string;
}

/** A block of a section as plain data (what chunking needs of marked's token), so it can cross threads. */
export interface SectionBlock {
  type: string;
  raw: string;
}

/** A heading's section: the headings above it, and its blocks. */
export interface Section {
  headingPath: string[];
  blocks: SectionBlock[];
}

export function chunkMarkdown(markdown: string, options: ChunkingOptions): TextChunk[] {
  return chunkSections(parseSections(markdown), options);
}

/**
 * The token-budget half of chunking, on sections from `parseSections` (the parsing half, which the refresh
 * runs under a time budget in a worker for large documents).
 */
export function chunkSections(sections: Section[], options: ChunkingOptions): TextChunk[] {
  if (options.overlapTokens >= options.maxTokens) {
    throw new RangeError("overlapTokens must be smaller than maxTokens");
  }
  const chunks: TextChunk[] = [];
  for (const section of sections) {
    const pieces = section.blocks.flatMap((block) => blockPieces(block, options));
    for (const text of packPieces(pieces, options)) {
      chunks.push({ text: text.text, tokens: text.tokens, headingPath: section.headingPath });
    }
  }
  return chunks;
}

/**
 * Deeper than any document people write. marked re-lexes the rest of the text at each level of a blockquote
 * or list, so nesting costs quadratic time (or overflows the stack).
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * The deepest nesting of containers, in one pass: the markers opened on one line (`> > > …`, `- - - …`,
 * `1. 1. 1. …`, each followed by a space), plus the levels its indentation implies (a list nests one level
 * per two columns of indentation at least; a tab is four columns), so lines of `"\t" * i + "- x"` count too.
 */
export function maxNestingDepth(markdown: string): number {
  let max = 0;
  for (const m of markdown.matchAll(/^(?:[ \t]*(?:>|[-*+]|\d{1,9}[.)])(?=[ \t>]|$))+/gm)) {
    let columns = 0;
    for (let i = 0; i < m[0].length; i++) {
      const c = m[0].charCodeAt(i);
      if (c === 32) columns++;
      else if (c === 9) columns += 4 - (columns % 4);
      else break;
    }
    const depth = m[0].match(/>|[-*+]|\d{1,9}[.)]/g)!.length + Math.floor(columns / 2);
    if (depth > max) max = depth;
  }
  return max;
}

/** Markdown split at headings into sections of blocks (marked's block lexer). */
export function parseSections(markdown: string): Section[] {
  const depth = maxNestingDepth(markdown);
  if (depth > MAX_NESTING_DEPTH)
    throw new RangeError(`blockquotes or lists nested ${depth} levels deep (limit ${MAX_NESTING_DEPTH})`);
  const sections: Section[] = [];
  const headings: { depth: number; text: string }[] = [];
  let current: Section = { headingPath: [], blocks: [] };
  // Block tokens only: chunking needs structure and raw text, not inline markup, and marked's inline lexer is
  // super-linear on runs of emphasis delimiters (`_a` × 50,000 took 17.6 s).
  for (const token of new Lexer().blockTokens(markdown.replace(/\r\n?/g, "\n"))) {
    if (token.type === "heading") {
      if (current.blocks.length) sections.push(current);
      while (headings.length && headings[headings.length - 1]!.depth >= token.depth) headings.pop();
      headings.push({ depth: token.depth, text: plainHeading(token.text) });
      current = { headingPath: headings.map((h) => h.text), blocks: [] };
    } else if (token.type !== "space" && token.type !== "hr" && token.type !== "def" && token.raw.trim()) {
      current.blocks.push({ type: token.type, raw: token.raw });
    }
  }
  if (current.blocks.length) sections.push(current);
  return sections;
}

/** A heading as one line of plain text of at most MAX_HEADING_CHARS; linear in the heading's length. */
function plainHeading(text: string): string {
  return label(text.replace(/\[([^[\]]*)\]\([^()]*\)/g, "$1").replace(/[*_`]/g, ""), MAX_HEADING_CHARS);
}

const sentenceSegmenter = new Intl.Segmenter("en", { granularity: "sentence" });
/** Text handed to the segmenter at once: ICU's sentence iteration costs time quadratic in the input's length. */
const SEGMENT_WINDOW = 4096;

/** Sentences of a long block, segmented a window at a time (cut at whitespace), so time stays linear. */
function sentences(text: string): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + SEGMENT_WINDOW, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > start + SEGMENT_WINDOW / 2) end = space + 1;
    }
    for (const s of sentenceSegmenter.segment(text.slice(start, end))) {
      const sentence = s.segment.trim();
      if (sentence) out.push(sentence);
    }
    start = end;
  }
  return out;
}

/** A block becomes one piece if it fits; otherwise sentences (prose) or lines (code, lists, tables). */
function blockPieces(block: SectionBlock, options: ChunkingOptions): Piece[] {
  const text = block.raw.trim();
  const tokens = options.countTokens(text);
  if (tokens <= options.maxTokens) return [{ text, tokens, separator: "\n\n" }];
  const byLines = block.type === "code" || block.type === "list" || block.type === "table";
  const parts = byLines ? text.split("\n").filter((line) => line.trim()) : sentences(text);
  const separator = byLines ? "\n" : " ";
  return parts.flatMap((part, i) => {
    const partTokens = options.countTokens(part);
    const sep = i === 0 ? "\n\n" : separator;
    if (partTokens <= options.maxTokens) return [{ text: part, tokens: partTokens, separator: sep }];
    return splitWords(part, options).map((p, j) => ({ ...p, separator: j === 0 ? sep : " " }));
  });
}

/** Last resort for a sentence longer than the budget: runs of whole words. */
function splitWords(text: string, options: ChunkingOptions): Omit<Piece, "separator">[] {
  const out: Omit<Piece, "separator">[] = [];
  let words: string[] = [];
  let tokens = 0;
  for (const word of text.split(/\s+/)) {
    const t = options.countTokens(word);
    if (words.length && tokens + t > options.maxTokens) {
      out.push({ text: words.join(" "), tokens });
      words = [];
      tokens = 0;
    }
    words.push(word);
    tokens += t;
  }
  if (words.length) out.push({ text: words.join(" "), tokens });
  return out;
}

function packPieces(pieces: Piece[], options: ChunkingOptions): { text: string; tokens: number }[] {
  const chunks: { text: string; tokens: number }[] = [];
  let current: Piece[] = [];
  let tokens = 0;
  let fresh = 0; // pieces in `current` that are not overlap from the previous chunk
  const flush = () => {
    if (!fresh) return;
    chunks.push({ text: current.map((p, i) => (i ? p.separator : "") + p.text).join(""), tokens });
    const overlap: Piece[] = [];
    let overlapTokens = 0;
    for (let i = current.length - 1; i > 0; i--) {
      const p = current[i]!;
      if (overlapTokens + p.tokens > options.overlapTokens) break;
      overlap.unshift(p);
      overlapTokens += p.tokens;
    }
    current = overlap;
    tokens = overlapTokens;
    fresh = 0;
  };
  for (const piece of pieces) {
    if (tokens + piece.tokens > options.maxTokens) {
      flush();
      while (current.length && tokens + piece.tokens > options.maxTokens) tokens -= current.shift()!.tokens;
    }
    current.push(piece);
    tokens += piece.tokens;
    fresh++;
  }
  flush();
  return chunks;
}
