/**
 * Text to index terms, the same at index and query time: lowercase words and numbers, English stopwords
 * dropped, Porter stemming. Stems are cached (a corpus repeats a small vocabulary millions of times), which
 * keeps tokenizing long documents at tens of MB/s.
 */
import { stemmer } from "stemmer";

/** Common English words that carry no meaning for retrieval; dropped at index and query time. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be but by for from has have how i if in into is it its of on or our so that the their " +
    "then there these they this to was we what when where which who why will with you your do does can"
  ).split(" "),
);

/** Longer "words" are hashes, base64 or minified code: never what someone searches for. */
export const MAX_TERM_CHARS = 40;

const WORD = /[\p{L}\p{N}]+/gu;
const STEM_CACHE_LIMIT = 200_000;
const stems = new Map<string, string>();

/** The index term of a word `forEachWord` gave. */
export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = /^\p{N}+$/u.test(word) ? word : stemmer(word);
    if (stems.size >= STEM_CACHE_LIMIT) stems.clear();
    stems.set(word, s);
  }
  return s;
}

/** Calls `onTerm` for every index term of `text`, in order (repeats included). */
export function forEachTerm(text: string, onTerm: (term: string) => void): void {
  forEachWord(text, (word) => onTerm(stem(word)));
}

/**
 * Calls `onWord` for every word of `text` that makes an index term, lowercased but not yet stemmed (`stem`
 * makes the term): for callers that cache by word.
 */
export function forEachWord(text: string, onWord: (word: string) => void): void {
  const lower = text.toLowerCase();
  const emit = (word: string) => {
    if (word.length <= MAX_TERM_CHARS && !STOPWORDS.has(word)) onWord(word);
  };
  if (NON_ASCII.test(lower)) {
    for (const match of lower.matchAll(WORD)) emit(match[0]);
    return;
  }
  // ASCII text (most of it): the same words as WORD, found without a match object per word.
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 32;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      emit(lower.slice(start, i));
      start = -1;
    }
  }
}

const NON_ASCII = /[\u0080-\uffff]/;

/** The index terms of `text`, in order. */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  forEachTerm(text, (t) => terms.push(t));
  return terms;
}
