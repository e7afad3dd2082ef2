/**
 * A version read by range, for a server's first answers while its files come in (bundle format 3): the
 * keyword index's directory and one range per query term, then each hit's card (cards.bin). Keyword ranking
 * from it is exactly the whole version's; what needs the whole version (filters by document, semantic
 * ranking, documents, listings) waits for it. Byte ranges are checked for shape (offsets, ids, card schema),
 * not against the files' checksums, which the whole files are verified against when they are in.
 */
import {
  BUNDLE_FILES,
  bundleKeys,
  readManifest,
  type Manifest,
  type Pointer,
  type StoredDocument,
} from "./bundle.js";
import { RangedChunkCards, type ChunkCard, type ReadRange } from "./bundle-files.js";
import { BundleIntegrityError } from "./errors.js";
import type { IndexCodecs, ObjectStore, RangedKeywordIndex } from "./ports.js";
import type { LoadedCollection } from "./read-model.js";

export interface RangedVersion {
  manifest: Manifest;
  keyword: RangedKeywordIndex;
  cards: RangedChunkCards;
}

/** Why a collection answers by keyword while its files come in. */
export const STILL_LOADING =
  "the collection is still loading; until its files are in, searches rank by keyword (read by range)";

/**
 * The version's manifest, keyword directory and card table, read by range; `undefined` when this store,
 * codec or version cannot be read so (an older format: the caller loads it whole).
 */
export async function openRangedVersion(
  store: ObjectStore,
  collection: string,
  pointer: Pointer,
  codecs: Pick<IndexCodecs, "keywordCodec">,
): Promise<RangedVersion | undefined> {
  const { keywordCodec } = codecs;
  if (!store.getRange || !keywordCodec.openRanges) return undefined;
  const manifest = await readManifest(store, collection, pointer);
  if (!manifest.files[BUNDLE_FILES.cards] || !manifest.files[keywordCodec.file]) return undefined;
  const reader =
    (name: string): ReadRange =>
    async (start, end) => {
      const bytes = await store.getRange!(bundleKeys.file(collection, manifest.version, name), start, end);
      if (!bytes) throw new BundleIntegrityError(`${collection}@${manifest.version}: ${name} is missing`);
      return bytes;
    };
  const [keyword, cards] = await Promise.all([
    keywordCodec.openRanges(reader(keywordCodec.file)),
    RangedChunkCards.open(reader(BUNDLE_FILES.cards)),
  ]);
  if (!keyword) return undefined;
  const chunks = manifest.counts.chunks;
  if (keyword.size !== chunks || cards.length !== chunks) {
    throw new BundleIntegrityError(
      `${collection}@${manifest.version}: the keyword index (${keyword.size}) and cards (${cards.length}) do not both hold the manifest's ${chunks} chunks`,
    );
  }
  return { manifest, keyword, cards };
}

/**
 * The collection as one query sees it before its files are in: the keyword index of the query's terms, and
 * (once `readHits` has read them) the cards of the hits it returns. Nothing else of it can be read.
 * `hitsRead` is called once a search's hits are read (or failed to be).
 */
export async function provisionalCollection(
  name: string,
  ranged: RangedVersion,
  query: string,
  hitsRead: () => void = () => {},
): Promise<LoadedCollection> {
  const { manifest, keyword: index, cards } = ranged;
  const keyword = await index.forQuery(query);
  const read = new Map<number, ChunkCard>();
  const documents: StoredDocument[] = new Array<StoredDocument>(manifest.counts.documents);
  const card = (label: number) => {
    const found = read.get(label);
    if (!found) throw new Error(`chunk ${label} of ${name} was not read`);
    return found;
  };
  return {
    name,
    manifest,
    documents,
    chunks: {
      length: manifest.counts.chunks,
      docIndex: (label) => index.docOf(label),
      headingPath: (label) => card(label).headingPath,
      tokens: (label) => card(label).tokens,
      text: (label) => card(label).text,
    },
    documentText: () => {
      throw new Error(`${name} is still loading: its documents cannot be read yet`);
    },
    keyword,
    semanticUnavailable: STILL_LOADING,
    docsById: new Map(),
    docsByPath: new Map(),
    loadTimings: { downloadMs: 0, indexLoadMs: 0 },
    async readHits(labels) {
      try {
        await Promise.all(
          labels.map(async (label) => {
            const c = await cards.card(label);
            if (c.doc !== index.docOf(label) || c.doc >= documents.length) {
              throw new BundleIntegrityError(
                `${name}@${manifest.version}: card ${label} names another document`,
              );
            }
            read.set(label, c);
            documents[c.doc] = c.document;
          }),
        );
      } finally {
        hitsRead();
      }
    },
  };
}
