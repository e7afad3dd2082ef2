/**
 * Builds the keyword index one chunk at a time (see bm25-index.ts for the scoring): the refresh streams chunks
 * in, and only integer postings are kept, never the texts.
 */
import { WordTable } from "./word-table.js";
import { Bm25Index } from "./bm25-index.js";
import { allocate, blockPlace, type TermMajorFile } from "./bm25-terms.js";
import { DEFAULT_BM25, quantise, type Bm25Params } from "./params.js";

export interface IndexedChunk {
  /** The document's ordinal: non-decreasing over the chunks added; a document's chunks are contiguous. */
  doc: number;
  /** The document's title: read on its first chunk only (and tokenized once), so later ones may pass "". */
  title: string;
  heading: string;
  text: string;
}

/**
 * Growable typed arrays (the builder's postings arrive one at a time, in chunk order): one class per element
 * type, so every push is a store of one known kind (a generic class made them polymorphic, and slow).
 */
class GrowU32 {
  length = 0;
  data = new Uint32Array(1024);
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }
  /** Room for `n` more entries, for callers that then write `data` directly and move `length`. */
  reserve(n: number): void {
    if (this.length + n <= this.data.length) return;
    const next = new Uint32Array(Math.max(this.data.length * 2, this.length + n));
    next.set(this.data);
    this.data = next;
  }
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}
class GrowU16 {
  length = 0;
  data = new Uint16Array(1024);
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }
  /** Room for `n` more entries, for callers that then write `data` directly and move `length`. */
  reserve(n: number): void {
    if (this.length + n <= this.data.length) return;
    const next = new Uint16Array(Math.max(this.data.length * 2, this.length + n));
    next.set(this.data);
    this.data = next;
  }
  view(): Uint16Array {
    return this.data.subarray(0, this.length);
  }
}
const u32 = () => new GrowU32();
const u16 = () => new GrowU16();

/** Entries per postings page; a chunk or document with more distinct terms gets a page of its own size. */
const PAGE = 1 << 16;

/**
 * Postings in pages, filled in arrival order one chunk (or document) at a time, whose postings never straddle
 * two pages: the loops over them index one page, and growing allocates a page instead of doubling an array
 * and copying it (which touched the memory again: a fresh-process build at 130k chunks took 174k page faults,
 * ~10 us each on this VM, to SQLite FTS5's 104k). `addPage(size)` adds a page to each of the caller's columns.
 */
class Pages {
  /** Postings in each page, and its size. */
  readonly fill = u32();
  readonly size = u32();
  constructor(
    private readonly pageSize: number,
    private readonly addPage: (size: number) => void,
  ) {}
  /** The page with room for `n` more postings (they go from its `fill` on). */
  at(n: number): number {
    const last = this.size.length - 1;
    if (last >= 0 && this.fill.data[last]! + n <= this.size.data[last]!) return last;
    const size = Math.max(this.pageSize, n);
    this.addPage(size);
    this.size.push(size);
    this.fill.push(0);
    return last + 1;
  }
}

/** Where each chunk's (document's) postings sit: page, first entry in it, how many. */
interface Placement {
  page: Uint32Array;
  at: Uint32Array;
  count: Uint32Array;
}

/**
 * Builds an index one chunk at a time, in label order, keeping only integer postings (never the texts):
 * memory grows with the number of distinct (term, chunk) pairs, not with the corpus held several times.
 */
export class Bm25Builder {
  readonly #terms = new Map<string, number>();
  /** Word → term id, found from the characters without a string per word (word-table.ts). */
  readonly #words = new WordTable((term) => this.#termId(term));
  // Chunk postings in arrival order, in pages: term id and term frequency per field (saturated at 255 and
  // 65535); a chunk's postings are contiguous, placed by #chunkAt[label] (no label per posting).
  readonly #cTerm: Uint32Array[] = [];
  readonly #cTitle: Uint8Array[] = [];
  readonly #cHeading: Uint8Array[] = [];
  readonly #cText: Uint16Array[] = [];
  readonly #chunkPages: Pages;
  readonly #chunkAt = { page: u32(), at: u32(), count: u32() };
  #chunkPostings = 0;
  readonly #len = { title: u16(), heading: u16(), text: u32() };
  readonly #docOfChunk = u32();
  // Document postings: term id and frequency over the document, a document's placed by #docAt[ordinal].
  readonly #dTerm: Uint32Array[] = [];
  readonly #dTf: Uint32Array[] = [];
  readonly #docPages: Pages;
  readonly #docAt = { page: u32(), at: u32(), count: u32() };
  #docPostings = 0;
  readonly #docLength = u32();
  #currentDoc = -1;
  #docLen = 0;
  // Per term id: where it sits in the current chunk's and document's counts, valid while its stamp is the
  // current chunk's label + 1 (document ordinal + 1): typed arrays instead of a Map per chunk.
  #chunkStamp = new Int32Array(1024);
  #chunkSlot = new Int32Array(1024);
  #docStamp = new Int32Array(1024);
  #docSlot = new Int32Array(1024);
  readonly #chunkTerms = u32();
  readonly #chunkTf = [u32(), u32(), u32()] as const;
  readonly #docTerms = u32();
  readonly #docTf = u32();
  /** The current document's title, tokenized once: distinct term ids, their counts, and its length in words. */
  #title = { ids: [] as number[], tf: [] as number[], words: 0 };

  constructor(
    private readonly params: Bm25Params = DEFAULT_BM25,
    /** Postings per page (tests make it small, to cross pages). */
    pageSize = PAGE,
  ) {
    this.#chunkPages = new Pages(pageSize, (size) => {
      this.#cTerm.push(new Uint32Array(size));
      this.#cTitle.push(new Uint8Array(size));
      this.#cHeading.push(new Uint8Array(size));
      this.#cText.push(new Uint16Array(size));
    });
    this.#docPages = new Pages(pageSize, (size) => {
      this.#dTerm.push(new Uint32Array(size));
      this.#dTf.push(new Uint32Array(size));
    });
  }

  get size(): number {
    return this.#docOfChunk.length;
  }

  /** Adds the next chunk (its label is the number of chunks added before it). */
  add(chunk: IndexedChunk): void {
    if (chunk.doc < this.#currentDoc)
      throw new RangeError("chunks must arrive grouped by document, in order");
    if (chunk.doc !== this.#currentDoc) {
      this.#flushDoc();
      // Documents without chunks in between still get an ordinal (and no postings).
      while (this.#docLength.length < chunk.doc) {
        place(this.#docAt, 0, 0, 0);
        this.#docLength.push(0);
      }
      this.#currentDoc = chunk.doc;
      this.#docLen = 0;
      this.#tokenizeTitle(chunk.title);
    }
    const label = this.#docOfChunk.length;
    this.#docOfChunk.push(chunk.doc);
    this.#chunkTerms.length = 0;
    for (const tf of this.#chunkTf) tf.length = 0;
    // The title's terms already have their document postings (#tokenizeTitle); each chunk gets its counts.
    const docTitle = this.#title;
    for (let i = 0; i < docTitle.ids.length; i++)
      this.#chunkTf[0].data[this.#slotOf(docTitle.ids[i]!, label)] = docTitle.tf[i]!;
    this.#len.title.push(Math.min(65535, docTitle.words));
    this.#len.heading.push(Math.min(65535, this.#count(chunk.heading, 1, label)));
    this.#len.text.push(this.#count(chunk.text, 2, label));
    const [title, heading, text] = this.#chunkTf;
    const n = this.#chunkTerms.length;
    const page = this.#chunkPages.at(n);
    const at = this.#chunkPages.fill.data[page]!;
    this.#chunkPages.fill.data[page] = at + n;
    place(this.#chunkAt, page, at, n);
    this.#chunkPostings += n;
    const [cTerm, cTitle, cHeading, cText] = [
      this.#cTerm[page]!,
      this.#cTitle[page]!,
      this.#cHeading[page]!,
      this.#cText[page]!,
    ];
    const terms = this.#chunkTerms.data;
    for (let i = 0; i < n; i++) {
      cTerm[at + i] = terms[i]!;
      cTitle[at + i] = Math.min(255, title.data[i]!);
      cHeading[at + i] = Math.min(255, heading.data[i]!);
      cText[at + i] = Math.min(65535, text.data[i]!);
    }
  }

  /** The slot of term `id` among the current chunk's terms (added with zero counts on first sight). */
  #slotOf(id: number, label: number): number {
    if (this.#chunkStamp[id] !== label + 1) {
      this.#chunkStamp[id] = label + 1;
      this.#chunkSlot[id] = this.#chunkTerms.length;
      this.#chunkTerms.push(id);
      this.#chunkTf[0].push(0);
      this.#chunkTf[1].push(0);
      this.#chunkTf[2].push(0);
    }
    return this.#chunkSlot[id]!;
  }

  /** Counts a heading's (1) or text's (2) terms for the chunk; returns how many words. */
  #count(text: string, field: 1 | 2, label: number): number {
    const n = this.#words.scan(text);
    const ids = this.#words.ids;
    const tf = this.#chunkTf[field];
    // A heading's terms are not the document's text, but the document needs a posting to bound them.
    const docTf = field === 2 ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      // The slot first: taking it may grow (replace) tf.data.
      const slot = this.#slotOf(id, label);
      tf.data[slot]!++;
      this.#countDoc(id, docTf);
    }
    return n;
  }

  /** A new document's title: counted once for the document, and kept as term counts for each of its chunks. */
  #tokenizeTitle(text: string): void {
    const counts = new Map<number, number>();
    const words = this.#words.scan(text);
    const ids = this.#words.ids;
    for (let i = 0; i < words; i++) {
      const id = ids[i]!;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      this.#countDoc(id, 1);
    }
    this.#title = { ids: [...counts.keys()], tf: [...counts.values()], words };
  }

  /** The id of a term (a stem), new ones numbered in order of first sight. */
  #termId(term: string): number {
    let id = this.#terms.get(term);
    if (id === undefined) {
      this.#terms.set(term, (id = this.#terms.size));
      if (id >= this.#chunkStamp.length) {
        const grow = (a: Int32Array) => {
          const next = new Int32Array(a.length * 2);
          next.set(a);
          return next;
        };
        this.#chunkStamp = grow(this.#chunkStamp);
        this.#chunkSlot = grow(this.#chunkSlot);
        this.#docStamp = grow(this.#docStamp);
        this.#docSlot = grow(this.#docSlot);
      }
    }
    return id;
  }

  /** Counts `tf` occurrences (0: present, as a heading term) of term `id` in the current document. */
  #countDoc(id: number, tf: number): void {
    if (this.#docStamp[id] !== this.#currentDoc + 1) {
      this.#docStamp[id] = this.#currentDoc + 1;
      this.#docSlot[id] = this.#docTerms.length;
      this.#docTerms.push(id);
      this.#docTf.push(0);
    }
    this.#docTf.data[this.#docSlot[id]!]! += tf;
    this.#docLen += tf;
  }

  #flushDoc(): void {
    if (this.#currentDoc < 0) return;
    const n = this.#docTerms.length;
    const page = this.#docPages.at(n);
    const at = this.#docPages.fill.data[page]!;
    this.#docPages.fill.data[page] = at + n;
    place(this.#docAt, page, at, n);
    this.#docPostings += n;
    this.#dTerm[page]!.set(this.#docTerms.data.subarray(0, n), at);
    this.#dTf[page]!.set(this.#docTf.data.subarray(0, n), at);
    this.#docLength.push(this.#docLen);
    this.#docTerms.length = 0;
    this.#docTf.length = 0;
  }

  /** Computes the impacts and lays out the postings by term. The builder is spent afterwards. */
  finish(): Bm25Index {
    return indexFromRaw(this.params, this.#raw());
  }

  /** The counts gathered so far, before impacts (which need every chunk's length). The builder is spent afterwards. */
  #raw(): RawPostings {
    this.#flushDoc();
    const placement = (p: PlacementLog): Placement => ({
      page: p.page.view(),
      at: p.at.view(),
      count: p.count.view(),
    });
    return {
      terms: [...this.#terms.keys()],
      cTerm: this.#cTerm,
      cTitle: this.#cTitle,
      cHeading: this.#cHeading,
      cText: this.#cText,
      chunkFill: this.#chunkPages.fill.view(),
      chunks: placement(this.#chunkAt),
      chunkPostings: this.#chunkPostings,
      lenTitle: this.#len.title.view(),
      lenHeading: this.#len.heading.view(),
      lenText: this.#len.text.view(),
      docOfChunk: this.#docOfChunk.view(),
      dTerm: this.#dTerm,
      dTf: this.#dTf,
      docFill: this.#docPages.fill.view(),
      docs: placement(this.#docAt),
      docPostings: this.#docPostings,
      docLength: this.#docLength.view(),
    };
  }
}

/** A Placement as it grows, one chunk (document) at a time. */
interface PlacementLog {
  page: GrowU32;
  at: GrowU32;
  count: GrowU32;
}

function place(p: PlacementLog, page: number, at: number, count: number): void {
  p.page.push(page);
  p.at.push(at);
  p.count.push(count);
}

/**
 * A builder's counts, in pages: per chunk, its postings' term ids (into `terms`) and frequencies per field,
 * where `chunks` places them, and its field lengths; per document ordinal the same, and its length. `*Fill`:
 * the postings in each page.
 */
interface RawPostings {
  terms: string[];
  cTerm: Uint32Array[];
  cTitle: Uint8Array[];
  cHeading: Uint8Array[];
  cText: Uint16Array[];
  chunkFill: Uint32Array;
  chunks: Placement;
  chunkPostings: number;
  lenTitle: Uint16Array;
  lenHeading: Uint16Array;
  lenText: Uint32Array;
  docOfChunk: Uint32Array;
  dTerm: Uint32Array[];
  dTf: Uint32Array[];
  docFill: Uint32Array;
  docs: Placement;
  docPostings: number;
  docLength: Uint32Array;
}

/** Computes the impacts and lays out the postings by term. */
function indexFromRaw(params: Bm25Params, raw: RawPostings): Bm25Index {
  const chunks = raw.docOfChunk.length;
  const docs = raw.docLength.length;
  // Terms sorted, so the file's vocabulary can be searched by bisection; old id → new id.
  const order = raw.terms.map((_, id) => id).sort((a, b) => (raw.terms[a]! < raw.terms[b]! ? -1 : 1));
  const vocabulary = order.map((id) => raw.terms[id]!);
  const rank = new Uint32Array(vocabulary.length);
  order.forEach((id, i) => (rank[id] = i));
  const avg = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    return a.length ? s / a.length || 1 : 1;
  };
  const lens = { title: raw.lenTitle, heading: raw.lenHeading, text: raw.lenText };
  const avgs = { title: avg(lens.title), heading: avg(lens.heading), text: avg(lens.text) };
  const { k1, fields, doc } = params;
  // Per chunk and field: BM25F's length normalisation, computed once per chunk instead of once per posting.
  const norm = (f: keyof typeof fields) => {
    const { b } = fields[f];
    const len = lens[f];
    const out = new Float64Array(chunks);
    for (let label = 0; label < chunks; label++) out[label] = 1 - b + (b * len[label]!) / avgs[f];
    return out;
  };
  const [nTitle, nHeading, nText] = [norm("title"), norm("heading"), norm("text")];
  const [wTitle, wHeading, wText] = [fields.title.weight, fields.heading.weight, fields.text.weight];
  // Impacts in arrival order first (one sequential pass each), so laying out by term only moves bytes. A
  // chunk posting's impact takes its title count's place once that is read (no second array).
  const { page: chunkPage, at: chunkAt, count: chunkCount } = raw.chunks;
  for (let l = 0; l < chunks; l++) {
    const p = chunkPage[l]!;
    const [cTitle, cHeading, cText] = [raw.cTitle[p]!, raw.cHeading[p]!, raw.cText[p]!];
    const [title, heading, text] = [nTitle[l]!, nHeading[l]!, nText[l]!];
    for (let i = chunkAt[l]!, end = i + chunkCount[l]!; i < end; i++) {
      const ptf =
        (wTitle * cTitle[i]!) / title + (wHeading * cHeading[i]!) / heading + (wText * cText[i]!) / text;
      cTitle[i] = quantise(ptf / (k1 + ptf));
    }
  }
  // Postings per term, so the file can be allocated and every block filled in place (no copy).
  const chunkCounts = countByTerm(raw.cTerm, raw.chunkFill, rank);
  const docCounts = countByTerm(raw.dTerm, raw.docFill, rank);
  const f = allocate({ params, vocabulary, chunkCount: chunks, docCount: docs, chunkCounts, docCounts });
  // Where each term's next chunk (document) posting goes: its id's word and its impact's byte in the file.
  const terms = vocabulary.length;
  const [chunkId, chunkImpact] = [new Uint32Array(terms), new Float64Array(terms)];
  const [docId, docImpact] = [new Uint32Array(terms), new Float64Array(terms)];
  for (let t = 0; t < terms; t++) {
    const { ids, impacts, n } = blockPlace(f, t);
    [chunkId[t], chunkImpact[t], docId[t], docImpact[t]] = [ids, impacts, ids + n, impacts + n];
  }
  layOut(raw.cTerm, raw.chunks, rank, raw.cTitle, f, chunkId, chunkImpact);
  const { docLength } = raw;
  const avgDoc = avg(docLength);
  const docImpacts = raw.dTerm.map((page) => new Uint8Array(page.length));
  const { page: docPage, at: docAt, count: docCount } = raw.docs;
  for (let d = 0; d < docs; d++) {
    const k = doc.k1 * (1 - doc.b + (doc.b * docLength[d]!) / avgDoc);
    const p = docPage[d]!;
    const [dTf, impacts] = [raw.dTf[p]!, docImpacts[p]!];
    for (let i = docAt[d]!, end = i + docCount[d]!; i < end; i++) {
      const tf = dTf[i]!;
      impacts[i] = tf ? quantise(tf / (tf + k)) : 0;
    }
  }
  layOut(raw.dTerm, raw.docs, rank, docImpacts, f, docId, docImpact);
  f.directory.docOfChunk.set(raw.docOfChunk);
  documentBounds(f);
  return Bm25Index.fromFile(f.file);
}

/**
 * Each document posting's bound (the largest impact its term has in one of the document's chunks) and each
 * term's document frequency (postings with a non-zero impact). Both lists of a term ascend, and a document's
 * chunks are contiguous, so one merge per term does it.
 */
function documentBounds(f: TermMajorFile): void {
  const { words, file, directory } = f;
  const { df, docOfChunk } = directory;
  for (let t = 0; t < df.length; t++) {
    const { ids, impacts, n, m } = blockPlace(f, t);
    const [docIds, docImpacts, bounds] = [ids + n, impacts + n, impacts + n + m];
    for (let q = 0; q < m; q++) if (file[docImpacts + q]) df[t]!++;
    let q = 0;
    for (let p = 0; p < n; p++) {
      const d = docOfChunk[words[ids + p]!]!;
      while (q < m && words[docIds + q]! < d) q++;
      if (q === m || words[docIds + q] !== d)
        throw new Error(`keyword index: term ${t} in a chunk of document ${d} has no document posting`);
      if (file[impacts + p]! > file[bounds + q]!) file[bounds + q] = file[impacts + p]!;
    }
  }
}

/** How many postings each term (by rank) has, over pages of term ids (`fill[p]` used in page p). */
function countByTerm(terms: Uint32Array[], fill: Uint32Array, rank: Uint32Array): Uint32Array {
  const counts = new Uint32Array(rank.length);
  for (let p = 0; p < terms.length; p++) {
    const page = terms[p]!;
    for (let i = 0, n = fill[p]!; i < n; i++) counts[rank[page[i]!]!]!++;
  }
  return counts;
}

/**
 * Lays postings (in id order within each term, as they arrived) out by term into the file's blocks: id `id`'s
 * postings sit in page `placed.page[id]` of `terms` (their term ids) and `impacts`, `placed.count[id]` of them
 * from `placed.at[id]`; term t's next id goes to word `idAt[t]` of the file, its impact to byte `impactAt[t]`.
 */
function layOut(
  terms: Uint32Array[],
  placed: Placement,
  rank: Uint32Array,
  impacts: Uint8Array[],
  { words, file }: TermMajorFile,
  idAt: Uint32Array,
  impactAt: Float64Array,
): void {
  const { page: pageOf, at, count } = placed;
  for (let id = 0; id < count.length; id++) {
    const n = count[id]!;
    if (!n) continue;
    const [page, impactPage] = [terms[pageOf[id]!]!, impacts[pageOf[id]!]!];
    for (let i = at[id]!, end = i + n; i < end; i++) {
      const t = rank[page[i]!]!;
      words[idAt[t]!++] = id;
      file[impactAt[t]!++] = impactPage[i]!;
    }
  }
}
