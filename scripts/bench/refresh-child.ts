/** One refresh run in its own process, so its peak RSS is its own: prints a JSON line. */
import { indexCodecs } from "../../functions/adapters/index-codecs.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore } from "../../functions/adapters/local/fs-object-store.js";
import { loadTransformersEmbedder } from "../../functions/adapters/ml/transformers-embedder.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { corpusSource } from "./corpus.js";
import { documentsFor, loadTextPool, realCorpus } from "./real-corpus.js";

const [chunks, modelDir] = [Number(process.argv[2]), process.argv[3]];
// Sampled, not getrusage's maxRSS: on Linux that survives exec and would report the parent's peak.
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const embedder =
  modelDir && modelDir !== "none"
    ? await loadTransformersEmbedder({ modelDir, modelId: "thoth/tiny" })
    : null;
const store = new FsObjectStore(await mkdtemp(join(tmpdir(), "thoth-bench-refresh-")));
const docs = realCorpus(await loadTextPool(), documentsFor(chunks));
const codecs = indexCodecs();
const first = await refreshCollection(
  { store, embedder, ...codecs },
  { collection: "bench", source: corpusSource(docs) },
);
const second = await refreshCollection(
  { store, embedder, ...codecs },
  { collection: "bench", source: corpusSource(docs) },
);
const files = await store.list("collections/bench/versions/");
let bundleBytes = 0;
for (const key of files) bundleBytes += (await store.get(key))!.byteLength;
clearInterval(sampler);
process.stdout.write(
  JSON.stringify({
    chunks: first.chunks,
    documents: first.documentsIndexed,
    firstMs: first.durationMs,
    secondMs: second.durationMs,
    secondEmbedded: second.chunksEmbedded,
    secondPublished: second.published,
    bundleBytes,
    peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1024 / 1024),
  }) + "\n",
);
