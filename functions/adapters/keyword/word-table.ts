/**
 * The index builder's tokenizer: the same terms as analyzer.ts's `forEachTerm` (lowercase runs of letters and
 * digits, stopwords and over-long words dropped, Porter stems), found without making a string per word. Words
 * are hashed from their characters as the text is scanned and looked up in an open-addressing table of the
 * words seen so far, each mapped to its term id; only a word seen for the first time becomes a string (to be
 * checked against the stopwords and stemmed). A corpus repeats a small vocabulary millions of times, so almost
 * every word is a table hit.
 */
import { MAX_TERM_CHARS, STOPWORDS, stem } from "./analyzer.js";

/** A word that makes no term (a stopword, or longer than MAX_TERM_CHARS). */
const NO_TERM = -1;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;
const NON_ASCII = /[\u0080-\uffff]/;

/** Per BMP code unit: 1 a letter or digit, 2 not, 0 not looked up yet (surrogates are classified per pair). */
const CLASS = new Uint8Array(0x10000);
for (let c = 0; c < 128; c++)
  CLASS[c] = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? 1 : 2;

function isWordUnit(c: number): boolean {
  let k = CLASS[c]!;
  if (k === 0) CLASS[c] = k = LETTER_OR_DIGIT.test(String.fromCharCode(c)) ? 1 : 2;
  return k === 1;
}

/** Grows an Int32Array to hold at least `n` entries. */
function ensure(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const next = new Int32Array(Math.max(n, a.length * 2));
  next.set(a);
  return next;
}

export class WordTable {
  /** The words' characters, back to back. */
  #chars = new Uint16Array(1 << 16);
  #used = 0;
  // Per word entry: where its characters start, how many, its hash and its term id (or NO_TERM).
  #start = new Int32Array(1024);
  #length = new Int32Array(1024);
  #hash = new Int32Array(1024);
  #term = new Int32Array(1024);
  #words = 0;
  /** Open addressing: entry index + 1, 0 for empty; a power of two, at most half full. */
  #slots = new Int32Array(1 << 12);
  /** The term ids of the last scan, in order. */
  ids = new Int32Array(1024);

  /**
   * @param termId the builder's id for a term (a stem), called once per distinct word that makes a term.
   */
  constructor(private readonly termId: (term: string) => number) {}

  /**
   * Scans `text` into `ids`; returns how many term ids it wrote. ASCII text is lowercased as it is read (no copy
   * of the text is made); other text is lowercased first, as analyzer.ts does, since that may change its length.
   */
  scan(text: string): number {
    // At most one word per two code units (a word and a separator), plus one.
    if (this.ids.length < (text.length >> 1) + 1) this.ids = new Int32Array((text.length >> 1) + 64);
    return NON_ASCII.test(text) ? this.#scanUnicode(text.toLowerCase()) : this.#scanAscii(text);
  }

  /** ASCII text, lowercased as it is read: words are runs of [a-z0-9]. */
  #scanAscii(text: string): number {
    let n = 0;
    let start = -1;
    let h = 0;
    const end = text.length;
    for (let i = 0; i < end; i++) {
      let c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      if (CLASS[c] === 1) {
        if (start < 0) {
          start = i;
          h = 0x811c9dc5;
        }
        h = Math.imul(h ^ c, 0x01000193);
      } else if (start >= 0) {
        n = this.#emit(text, start, i, h, n);
        start = -1;
      }
    }
    return start >= 0 ? this.#emit(text, start, end, h, n) : n;
  }

  /** Lowercased text with other characters: words are runs of letters and digits, surrogate pairs included. */
  #scanUnicode(lower: string): number {
    let n = 0;
    let start = -1;
    let h = 0;
    const end = lower.length;
    for (let i = 0; i < end; i++) {
      const c = lower.charCodeAt(i);
      let units = 1;
      let word: boolean;
      if (c < 128) word = CLASS[c] === 1;
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < end) {
        const low = lower.charCodeAt(i + 1);
        if (low >= 0xdc00 && low < 0xe000) {
          // A code point outside the BMP: a letter or digit decides for both its units.
          units = 2;
          word = LETTER_OR_DIGIT.test(lower.slice(i, i + 2));
        } else word = isWordUnit(c);
      } else word = isWordUnit(c);
      if (word) {
        if (start < 0) {
          start = i;
          h = 0x811c9dc5;
        }
        h = Math.imul(h ^ c, 0x01000193);
        if (units === 2) {
          i++;
          h = Math.imul(h ^ lower.charCodeAt(i), 0x01000193);
        }
      } else if (start >= 0) {
        n = this.#emit(lower, start, i, h, n);
        start = -1;
      }
    }
    return start >= 0 ? this.#emit(lower, start, end, h, n) : n;
  }

  /** Writes the term id of text[start, end) at ids[n], unless the word makes no term; returns the new count. */
  #emit(text: string, start: number, end: number, h: number, n: number): number {
    const id = this.#lookup(text, start, end, h);
    if (id !== NO_TERM) this.ids[n++] = id;
    return n;
  }

  /** The term id of lower[start, end), interning the word on first sight. */
  #lookup(lower: string, start: number, end: number, h: number): number {
    const length = end - start;
    if (length > MAX_TERM_CHARS) return NO_TERM;
    const mask = this.#slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const entry = this.#slots[slot]!;
      if (entry === 0) break;
      const e = entry - 1;
      if (this.#hash[e] === h && this.#length[e] === length) {
        const at = this.#start[e]!;
        let same = true;
        for (let k = 0; k < length; k++) {
          let c = lower.charCodeAt(start + k);
          if (c >= 65 && c <= 90) c += 32;
          if (this.#chars[at + k] !== c) {
            same = false;
            break;
          }
        }
        if (same) return this.#term[e]!;
      }
      slot = (slot + 1) & mask;
    }
    const word = lower.slice(start, end).toLowerCase();
    const term = STOPWORDS.has(word) ? NO_TERM : this.termId(stem(word));
    this.#add(word, h, term, slot);
    return term;
  }

  #add(word: string, h: number, term: number, slot: number): void {
    const e = this.#words++;
    if (e >= this.#start.length) {
      const n = this.#start.length * 2;
      this.#start = ensure(this.#start, n);
      this.#length = ensure(this.#length, n);
      this.#hash = ensure(this.#hash, n);
      this.#term = ensure(this.#term, n);
    }
    if (this.#used + word.length > this.#chars.length) {
      const next = new Uint16Array(Math.max(this.#chars.length * 2, this.#used + word.length));
      next.set(this.#chars);
      this.#chars = next;
    }
    for (let k = 0; k < word.length; k++) this.#chars[this.#used + k] = word.charCodeAt(k);
    this.#start[e] = this.#used;
    this.#length[e] = word.length;
    this.#hash[e] = h;
    this.#term[e] = term;
    this.#used += word.length;
    this.#slots[slot] = e + 1;
    if (this.#words * 2 > this.#slots.length) this.#rehash();
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.#words; e++) {
      let slot = this.#hash[e]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.#slots = slots;
  }
}
