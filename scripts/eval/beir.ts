/** Reading a BEIR-format folder and scoring rankings against its judgments. */
import { readFile, readdir } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { readPointer } from "../../functions/core/bundle.js";
import type { Source, SourceDocument } from "../../functions/core/ports.js";
import { openVersion, type OpenedVersion } from "../../functions/core/version-reader.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";

export interface BeirDataset {
  /**
   * Set when the corpus is a folder of Markdown named by `corpus.json` (`{"folder": "<relative path>"}`)
   * instead of `corpus.jsonl`: it is indexed as a local folder, and document ids are paths inside it.
   */
  folder?: string;
  corpus: { _id: string; title: string; text: string }[];
  queries: Map<string, string>;
  /** query id → document id → graded relevance */
  qrels: Map<string, Map<string, number>>;
}

async function jsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, "utf8").catch((cause: unknown) => {
    throw new Error(
      `cannot read ${path}: is this a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv)?`,
      { cause },
    );
  });
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new Error(`${path}:${i + 1} is not valid JSON`);
      }
    });
}

async function markdownCorpus(folder: string, pointer: string): Promise<BeirDataset["corpus"]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch((cause: unknown) => {
    throw new Error(
      `cannot read the corpus folder ${folder}, which ${pointer} names: it is outside this repository ` +
        "(../shared, the materials beside it) and this machine does not have it",
      { cause },
    );
  });
  const files = entries
    .filter((e) => e.isFile() && /\.(md|markdown)$/i.test(e.name))
    .map((e) => relative(folder, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
  return Promise.all(
    files.map(async (path) => ({ _id: path, title: "", text: await readFile(join(folder, path), "utf8") })),
  );
}

export async function readBeir(dir: string, split = "test"): Promise<BeirDataset> {
  const pointer = await readFile(join(dir, "corpus.json"), "utf8").catch(() => undefined);
  const folder = pointer ? resolve(dir, (JSON.parse(pointer) as { folder: string }).folder) : undefined;
  const corpus = folder
    ? await markdownCorpus(folder, join(dir, "corpus.json"))
    : (await jsonl<{ _id: string; title?: string; text?: string }>(join(dir, "corpus.jsonl"))).map((d) => ({
        _id: String(d._id),
        title: d.title ?? "",
        text: d.text ?? "",
      }));
  const queries = new Map(
    (await jsonl<{ _id: string; text: string }>(join(dir, "queries.jsonl"))).map((q) => [
      String(q._id),
      q.text,
    ]),
  );
  const qrels = new Map<string, Map<string, number>>();
  const tsv = await readFile(join(dir, "qrels", `${split}.tsv`), "utf8").catch((cause: unknown) => {
    throw new Error(
      `cannot read ${join(dir, "qrels", `${split}.tsv`)}: is there a "${split}" split (--split)?`,
      {
        cause,
      },
    );
  });
  for (const line of tsv.split("\n").slice(1)) {
    const [query, doc, score] = line.trim().split("\t");
    if (!query || !doc || Number(score) <= 0) continue;
    if (!qrels.has(query)) qrels.set(query, new Map());
    qrels.get(query)!.set(doc, Number(score));
  }
  return { ...(folder ? { folder } : {}), corpus, queries, qrels };
}

/** The corpus as a Source: one Markdown document per entry, its path the BEIR id. */
export function beirSource(dataset: BeirDataset, origin: string): Source {
  return {
    type: "local",
    origin,
    async *documents(): AsyncIterable<SourceDocument> {
      for (const d of dataset.corpus) {
        yield {
          path: d._id,
          title: d.title || d._id,
          format: "markdown",
          bytes: new TextEncoder().encode(d.text || d.title),
        };
      }
    },
    async cursor() {
      return undefined;
    },
  };
}

/**
 * The dataset (read from `dir`) indexed through the real pipeline without a model, into a store in `work`, and
 * opened with its keyword index: for scripts that rank its chunks directly.
 */
export async function openKeywordOnly(
  dataset: BeirDataset,
  dir: string,
  work: string,
): Promise<OpenedVersion> {
  const store = new FsObjectStore(work);
  const codecs = indexCodecs();
  const source = dataset.folder ? new LocalFolderSource(dataset.folder) : beirSource(dataset, resolve(dir));
  await refreshCollection({ store, embedder: null, ...codecs }, { collection: "eval", source });
  return openVersion(store, "eval", (await readPointer(store, "eval"))!, { embedder: null, ...codecs });
}

/** nDCG@k with graded (linear) gains, as trec_eval computes it. */
export function ndcgAt(ranking: string[], relevant: Map<string, number>, k: number): number {
  const dcg = ranking
    .slice(0, k)
    .reduce((sum, doc, i) => sum + (relevant.get(doc) ?? 0) / Math.log2(i + 2), 0);
  const ideal = [...relevant.values()]
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, rel, i) => sum + rel / Math.log2(i + 2), 0);
  return ideal ? dcg / ideal : 0;
}

/** Reciprocal rank of the first relevant document within the top k (0 when none is there). */
export function mrrAt(ranking: string[], relevant: Map<string, number>, k: number): number {
  const first = ranking.slice(0, k).findIndex((doc) => (relevant.get(doc) ?? 0) > 0);
  return first < 0 ? 0 : 1 / (first + 1);
}

export function recallAt(ranking: string[], relevant: Map<string, number>, k: number): number {
  if (!relevant.size) return 0;
  return ranking.slice(0, k).filter((doc) => relevant.has(doc)).length / relevant.size;
}
