/** Search over loaded collections: keyword, semantic or hybrid ranking, fused across collections. */
import { isTestModel, testModelNotice } from "../../shared/names.js";
import type { SearchMode } from "../../shared/types.js";
import { documentFacts } from "./documents.js";
import { InvalidRequestError } from "./errors.js";
import { MAX_HEADING_CHARS, label } from "./labels.js";
import type { Embedder, ScoredLabel } from "./ports.js";
import { fuseLabels, makeSnippet, reciprocalRankFusion } from "./ranking.js";
import {
  DEFAULT_PER_DOCUMENT,
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  type LoadedCollection,
  type SearchRequest,
  type SearchResponse,
} from "./read-model.js";
import { type SearchHit } from "./contracts.js";
import { nothingIndexed, pathFree } from "./messages.js";

const CANDIDATES = 50;

/** Searches `targets` (the collections the request may see, already resolved). */
export async function searchCollections(
  targets: LoadedCollection[],
  request: SearchRequest,
  embedder: Embedder | null,
  /** How long a hybrid search waits for vector indexes still loading (see CollectionRegistryDeps). */
  hybridWaitMs = 0,
): Promise<SearchResponse> {
  const query = request.query.trim();
  if (!query) throw new InvalidRequestError("the query is empty; pass a few words describing what to find");
  const limit = Math.min(Math.max(1, Math.floor(request.limit ?? DEFAULT_SEARCH_LIMIT)), MAX_SEARCH_LIMIT);
  // Hybrid by default; keyword with a test model, whose semantic ranking would only make results worse.
  const testModel = !request.mode && isTestModel(embedder?.modelId);
  const requested = request.mode ?? (testModel ? "keyword" : "hybrid");
  if (!targets.length) return { mode: requested, results: [], notices: [nothingIndexed(request.scope)] };

  const notices: string[] = testModel ? [testModelNotice(embedder!.modelId)] : [];
  // Semantic ranking needs the vectors, so it waits for any still loading; hybrid ranks by keyword meanwhile.
  if (requested === "semantic") await Promise.all(targets.map((c) => c.vectorsLoading));
  else if (requested === "hybrid" && hybridWaitMs > 0) await settledWithin(targets, hybridWaitMs);
  const semanticReady = targets.filter((c) => c.vectors);
  if (requested === "semantic" && semanticReady.length < targets.length) {
    const off = targets.find((c) => !c.vectors)!;
    throw new InvalidRequestError(
      `semantic search is unavailable for "${off.name}": ${off.semanticUnavailable}; use mode "keyword" or "hybrid"`,
    );
  }
  let mode = requested;
  if (requested === "hybrid" && !semanticReady.length) {
    mode = "keyword";
    const why = targets[0]!.semanticUnavailable;
    notices.push(
      pathFree(request.mode ? `hybrid search fell back to keyword mode: ${why}` : `keyword search: ${why}`),
    );
  } else if (requested === "hybrid") {
    for (const c of targets.filter((c) => !c.vectors)) {
      notices.push(pathFree(`"${c.name}" was ranked by keyword only: ${c.semanticUnavailable}`));
    }
  }
  const queryVector =
    mode !== "keyword" && semanticReady.length ? (await embedder!.embed([query]))[0] : undefined;

  const perDocument = Math.max(1, Math.floor(request.perDocument ?? DEFAULT_PER_DOCUMENT));
  // Fusion needs candidates beyond the limit; keyword ranking alone is exact at the limit.
  const candidates = mode === "keyword" ? limit : Math.max(CANDIDATES, limit);
  const perCollection = await Promise.all(
    targets.map(async (c) => {
      const ranked = rank(c, query, mode, queryVector, makeFilter(c, request), candidates, perDocument).slice(
        0,
        limit,
      );
      await c.readHits?.(ranked.map((hit) => hit.label));
      return ranked.map((hit) => toHit(c, hit, query));
    }),
  );
  const hits =
    perCollection.length === 1
      ? perCollection[0]!
      : reciprocalRankFusion(perCollection, (h) => `${h.collection}/${h.id}/${h.heading}/${h.snippet}`).map(
          ({ item, score }) => ({ ...item, score }),
        );
  return { mode, results: hits.slice(0, limit), notices };
}

/**
 * Whether a search needs its collections' whole versions, not the keyword index and cards a collection still
 * loading answers from by range: filters by document, semantic ranking, and hybrid ranking where it waits
 * for vectors (on Lambda, `hybridWaitMs`).
 */
export function needsWholeVersions(
  request: Pick<SearchRequest, "mode" | "pathPrefix" | "source" | "type">,
  embedder: Embedder | null,
  hybridWaitMs: number,
): boolean {
  if (request.pathPrefix || request.source || request.type || request.mode === "semantic") return true;
  const hybrid = request.mode === "hybrid" || (!request.mode && !isTestModel(embedder?.modelId));
  return hybrid && !!embedder && hybridWaitMs > 0;
}

/** Waits until the targets' vector indexes still loading are in, or `ms` has passed. */
async function settledWithin(targets: LoadedCollection[], ms: number): Promise<void> {
  const loading = targets.flatMap((c) => (c.vectorsLoading ? [c.vectorsLoading] : []));
  if (!loading.length) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(loading),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A collection's documents ranked for a query, best first, `depth` deep: a document scores as its best chunk.
 * For evaluation (`npm run eval`); MCP tools use `searchCollections`.
 */
export async function rankDocuments(
  c: LoadedCollection,
  request: { query: string; mode: SearchMode; depth: number },
  embedder: Embedder | null,
): Promise<string[]> {
  if (request.mode !== "keyword") await c.vectorsLoading;
  if (request.mode !== "keyword" && !c.vectors) {
    throw new InvalidRequestError(`${request.mode} ranking needs vectors: ${c.semanticUnavailable}`);
  }
  const vector = request.mode === "keyword" ? undefined : (await embedder!.embed([request.query]))[0];
  const ranked = rank(c, request.query, request.mode, vector, undefined, request.depth * 4, 1);
  const docs: string[] = [];
  for (const { label } of ranked) {
    const id = c.documents[c.chunks.docIndex(label)]!.id;
    if (!docs.includes(id)) docs.push(id);
    if (docs.length === request.depth) break;
  }
  return docs.map((id) => c.docsById.get(id)!.path);
}

/** Chunk labels of one collection ranked for a query in a mode. */
function rank(
  c: LoadedCollection,
  query: string,
  mode: SearchMode,
  queryVector: Float32Array | undefined,
  filter: ((label: number) => boolean) | undefined,
  candidates: number,
  perDocument: number,
): ScoredLabel[] {
  const keyword =
    mode === "semantic"
      ? []
      : c.keyword.search(query, candidates, { ...(filter ? { filter } : {}), maxPerDocument: perDocument });
  const semantic =
    mode !== "keyword" && c.vectors && queryVector ? c.vectors.search(queryVector, candidates, filter) : [];
  const ranked =
    mode === "keyword"
      ? keyword
      : mode === "semantic"
        ? semantic
        : fuseLabels(semantic.length ? [semantic, keyword] : [keyword]);
  // The keyword index caps hits per document itself; semantic and fused lists (and format-1 indexes) here.
  return capPerDocument(ranked, perDocument, (label) => c.chunks.docIndex(label));
}

/** `ranked` without the chunks of a document that already has `cap` of them above. */
function capPerDocument(ranked: ScoredLabel[], cap: number, docOf: (label: number) => number): ScoredLabel[] {
  const seen = new Map<number, number>();
  return ranked.filter(({ label }) => {
    const doc = docOf(label);
    const n = seen.get(doc) ?? 0;
    seen.set(doc, n + 1);
    return n < cap;
  });
}

function makeFilter(c: LoadedCollection, request: SearchRequest): ((label: number) => boolean) | undefined {
  if (!request.pathPrefix && !request.source && !request.type) return undefined;
  return (label) => {
    const doc = label < c.chunks.length ? c.documents[c.chunks.docIndex(label)] : undefined;
    return (
      !!doc &&
      (!request.pathPrefix || doc.path.startsWith(request.pathPrefix)) &&
      (!request.source || doc.source === request.source) &&
      (!request.type || doc.metadata?.type === request.type)
    );
  };
}

function toHit(c: LoadedCollection, hit: ScoredLabel, query: string): SearchHit {
  const doc = c.documents[c.chunks.docIndex(hit.label)]!;
  const { title, path, url } = documentFacts(c.name, doc);
  return {
    collection: c.name,
    id: doc.id,
    title,
    path,
    ...(url ? { url } : {}),
    source: doc.source,
    heading: c.chunks
      .headingPath(hit.label)
      .map((h) => label(h, MAX_HEADING_CHARS))
      .join(" › "),
    snippet: makeSnippet(c.chunks.text(hit.label), query),
    score: Number(hit.score.toFixed(6)),
    ...(doc.metadata?.type ? { type: doc.metadata.type } : {}),
  };
}
