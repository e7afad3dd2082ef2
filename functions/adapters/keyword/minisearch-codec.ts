import { stemmer } from "stemmer";
import MiniSearch, { type Options, type SearchOptions } from "minisearch";
import type {
  KeywordEntry,
  KeywordIndex,
  KeywordIndexCodec,
  KeywordSearchOptions,
  ScoredLabel,
} from "../../core/ports.js";

/** Common English words that carry no meaning for retrieval; dropped at index and query time. */
const STOPWORDS = new Set(
  (
    "a an and are as at be but by for from has have how i if in into is it its of on or our so that the their " +
    "then there these they this to was we what when where which who why will with you your do does can"
  ).split(" "),
);

const INDEX_OPTIONS: Options<KeywordEntry> = {
  idField: "label",
  fields: ["title", "heading", "text"],
  processTerm: (term) => {
    const t = term.toLowerCase();
    return STOPWORDS.has(t) ? null : stemmer(t);
  },
};

const SEARCH_OPTIONS: SearchOptions = {
  boost: { title: 2, heading: 1.5 },
  combineWith: "OR",
  prefix: false,
  fuzzy: false,
  bm25: { k: 1.2, b: 0.75, d: 0 },
};

class MiniSearchKeywordIndex implements KeywordIndex {
  constructor(private readonly index: MiniSearch<KeywordEntry>) {}

  get size(): number {
    return this.index.documentCount;
  }

  search(query: string, k: number, { filter }: KeywordSearchOptions = {}): ScoredLabel[] {
    const results = this.index.search(query, {
      ...SEARCH_OPTIONS,
      ...(filter ? { filter: (r) => filter(r.id as number) } : {}),
    });
    return results.slice(0, k).map((r) => ({ label: r.id as number, score: r.score }));
  }

  serialize(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.index));
  }
}

/**
 * Bundle format 1's keyword index: BM25 with MiniSearch (title and heading boosted over body text), as JSON.
 * Kept to read format-1 versions (a rollback target, or a collection not refreshed since); new versions are
 * written in format 2 (adapters/keyword). It does not cap hits per document: search applies that afterwards.
 */
export const minisearchCodec: KeywordIndexCodec = {
  file: "keyword-index.json",
  builder() {
    const index = new MiniSearch<KeywordEntry>(INDEX_OPTIONS);
    return {
      add: ({ label, title, heading, text }) => index.add({ label, doc: 0, title, heading, text }),
      finish: async () => new MiniSearchKeywordIndex(index).serialize(),
      abort: () => {},
    };
  },
  load(bytes) {
    return new MiniSearchKeywordIndex(
      MiniSearch.loadJSON<KeywordEntry>(new TextDecoder().decode(bytes), INDEX_OPTIONS),
    );
  },
};
