/** The report of `npm run bench`: docs/benchmarks.md and the charts, written from the measured figures. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeSizes } from "../package.js";
import type { BenchResults } from "./measure.js";
import type { FirstAnswerFigures } from "./first-answer.js";
import type { EngineFigures } from "./keyword-engines.js";
import type { ScaleRow } from "./scale.js";
import { barChartSvg } from "./stats.js";

/** The scale section: real text at 1k–130k chunks, and the issue's targets beside what was measured. */
function scaleMarkdown(scale: {
  keyword: ScaleRow[];
  vectors: ScaleRow;
  engines?: EngineFigures[];
}): string[] {
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const lines = [
    "",
    "## At scale: real text, keyword only (`bench/scale.ts`)",
    "",
    "Documents of 5 sections × 5 consecutive sentences sampled with a seed from SciFact abstracts and the Sourcegraph handbook (`../shared`); queries are SciFact claims and 10–20-word stretches of handbook sentences. Each step runs in a fresh process; the collection is opened from s3rver.",
    "",
    "| chunks | text | bundle (× text) | index MB/s | index peak RSS | open (download + load) | RSS after open | keyword p50 / p95 / p99 (in process, limit 10) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of scale.keyword) {
    const { index: i, open: o } = row;
    lines.push(
      `| ${i.chunks} | ${mb(i.textBytes)} | ${mb(i.bundleBytes)} (${(i.bundleBytes / i.textBytes).toFixed(2)}×) | ${i.mbPerSecond} | ${i.peakRssMb} MB | ${o.openMs} ms (${o.loadTimings.downloadMs} + ${o.loadTimings.indexLoadMs}) | ${o.rssAfterOpenMb} MB (+${o.rssOpenGrowthMb}) | ${ms(o.keyword.p50)} / ${ms(o.keyword.p95)} / ${ms(o.keyword.p99)} |`,
    );
  }
  const top = scale.keyword.at(-1)!;
  for (const [name, h] of Object.entries(top.http ?? {})) {
    lines.push(
      "",
      `HTTP (${name === "one" ? "1 connection" : `${h.connections} connections`}, ${h.seconds} s, keyword, ${top.index.chunks} chunks, ${h.workers ? `\`thoth dev --workers ${h.workers}\`` : "`thoth dev`'s server, one process"}): ${h.requestsPerSecond} req/s, p50 ${h.latencyMs.p50} ms, p99 ${h.latencyMs.p99} ms, max ${h.latencyMs.max} ms; errors ${h.errors}, time-outs ${h.timeouts}, non-2xx ${h.non2xx}.`,
    );
  }
  const v = scale.vectors;
  const t = top.open;
  const h50 = top.http?.fifty;
  const h50w = top.http?.fiftyWorkers;
  const h1 = top.http?.one;
  const row = (measure: string, before: string, target: string, now: string, limit: string) =>
    `| ${measure} | ${before} | ${target} | ${now} | ${limit} |`;
  lines.push(
    "",
    `### Issue 13's targets at ${top.index.chunks} chunks (before: MiniSearch and JSON bundles, as the issue measured them)`,
    "",
    "| measure | before | target | now | what limits it |",
    "| --- | --- | --- | --- | --- |",
    row(
      "keyword search, in process, limit 10",
      "~400 ms p50 (over HTTP)",
      "p50 ≤ 2 ms, p99 ≤ 10 ms",
      `p50 ${ms(t.keyword.p50)}, p99 ${ms(t.keyword.p99)}`,
      `${t.keyword.p50 <= 2 && t.keyword.p99 <= 10 ? "met" : "not met"} in this run; this machine's timings vary by ±30% from run to run (in-process reruns of the same code: p50 1.5–2.4 ms). Search proper is ~1 ms (document postings all read, chunk postings only for the ~7% of touched documents whose bound reaches the floor, see below); the rest is building hits: each inflates a 16 KiB block of texts.bin and cuts a snippet`,
    ),
    row(
      "local HTTP, 1 connection, keyword",
      "p99 1.3 s",
      "p99 ≤ 15 ms",
      h1 ? `p99 ${h1.latencyMs.p99} ms (${h1.requestsPerSecond} req/s)` : "—",
      `p50 is ${h1?.latencyMs.p50} ms; the tail is garbage collection and the per-request McpServer and transport (stateless), web-stream conversions`,
    ),
    row(
      "local HTTP, 50 connections, keyword, 30 s",
      "3 req/s, time-outs",
      "≥ 500 req/s, 0 errors, 0 time-outs",
      [h50, h50w]
        .flatMap((h) =>
          h
            ? [
                `${h.requestsPerSecond} req/s, ${h.errors} errors, ${h.timeouts} time-outs (${h.workers ? `${h.workers} worker processes` : "one process"})`,
              ]
            : [],
        )
        .join("; ") || "—",
      "one event loop serves one request at a time: each is ~2.5–3 ms of CPU (where it goes: below), so one process tops out near 350 req/s with autocannon on the other core; `thoth dev --workers 2` answers from both cores (Lambda runs one request per instance, so this is a laptop figure, and the per-request CPU is what a Lambda pays)",
    ),
    row(
      "open a collection (S3 emulator + load), keyword only",
      "19 s",
      "≤ 1.5 s",
      `${t.openMs} ms (${t.loadTimings.downloadMs} download + verify, ${t.loadTimings.indexLoadMs} load)`,
      "downloading (s3rver, ~70 MB/s) and hashing 88 MB of bundle; keyword.bin grew 5 MB with the document bounds (1508 ms before them)",
    ),
    row(
      "the same with 384-d vectors",
      "—",
      "≤ 3 s; hnsw p99 ≤ 2 ms at recall@10 ≥ 0.99",
      `${v.open.openMs} ms (${v.open.loadTimings.downloadMs} + ${v.open.loadTimings.indexLoadMs}); hnsw p99 ${ms(v.open.hnsw?.latency.p99 ?? NaN)} at recall@10 ${v.open.hnsw?.recallAt10}`,
      "vectors.hnsw is 4 bytes × 384 per chunk plus the graph (219 MB): s3rver streams it at ~70–95 MB/s, then hnswlib reads it from a /tmp copy. Parallel ranged GETs (8 parts at a time) were built and measured slower against s3rver (4.1–4.5 s for 219 MB in 8 MiB parts, 3.4–3.7 s in 16 MiB, against 2.3–3.0 s for one GET: it is one Node process), so they were not kept; on S3 they are the documented way to more throughput, which cannot be measured here",
    ),
    row("server RSS after open, keyword only", "2.0 GB", "≤ 600 MB", `${t.rssAfterOpenMb} MB`, ""),
    row(
      "bundle bytes, keyword only",
      "2.4× the text",
      "≤ 1.5× the text",
      `${(top.index.bundleBytes / top.index.textBytes).toFixed(2)}×`,
      "",
    ),
    row(
      "keyword-only indexing",
      "0.9 MB/s, 1.9 GB peak",
      "≥ 5 MB/s, peak RSS ≤ 1 GB",
      `${top.index.mbPerSecond} MB/s, ${top.index.peakRssMb} MB peak`,
      "the keyword index is built on a second thread while the refresh parses and chunks (threaded-builder.ts, from 10,000 chunks); single-threaded it was 3.9 MB/s (profiled: bundle files 61% of a run, the keyword index 37% of it; collecting 28%). Deflating texts.bin on libuv's pool and a string-free word table were measured and not kept",
    ),
  );
  if (scale.engines?.length) {
    lines.push(
      "",
      `### Keyword engines on the same ${scale.engines[0]!.chunks} chunks (\`bench/keyword-engines.ts\`, one process each)`,
      "",
      "Both build from chunks already in memory, on one thread, then reopen their file and answer the same questions (limit 10); the engines alternate over three rounds in a full run (one in a quick one), and each row is its median-build round, with the range of its builds. SQLite FTS5 (better-sqlite3) is contentless, Porter-stemmed, on disk, optimized after the build, ranked by `bm25()` with Thoth's field weights; its query is every kept word, OR-ed.",
      "",
      "| engine | build | peak RSS | index | open | query p50 / p95 / p99 |",
      "| --- | --- | --- | --- | --- | --- |",
      ...scale.engines.map(
        (e) =>
          `| ${e.engine === "thoth" ? "Thoth keyword index" : "SQLite FTS5 (baseline)"} | ${(e.buildMs / 1000).toFixed(2)} s${e.buildMsRange ? ` (${(e.buildMsRange[0] / 1000).toFixed(2)}–${(e.buildMsRange[1] / 1000).toFixed(2)})` : ""} | ${e.peakRssMb} MB | ${mb(e.indexBytes)} | ${e.openMs} ms | ${ms(e.query.p50)} / ${ms(e.query.p95)} / ${ms(e.query.p99)} |`,
      ),
    );
  }
  lines.push(
    "",
    `With 384-dimensional clustered vectors (no real model can be downloaded here; 256 seeded centroids): ${v.index.chunks} chunks indexed in ${(v.index.indexMs / 1000).toFixed(0)} s (peak RSS ${v.index.peakRssMb} MB; vectors.hnsw ${mb(v.index.files["vectors.hnsw"] ?? 0)}), opened from s3rver in ${v.open.openMs} ms (${v.open.loadTimings.downloadMs} + ${v.open.loadTimings.indexLoadMs}), RSS ${v.open.rssAfterOpenMb} MB; hybrid search p50 ${ms(v.open.hybrid?.p50 ?? NaN)}, p99 ${ms(v.open.hybrid?.p99 ?? NaN)}; hnsw alone p50 ${ms(v.open.hnsw?.latency.p50 ?? NaN)}, p99 ${ms(v.open.hnsw?.latency.p99 ?? NaN)} at recall@10 ${v.open.hnsw?.recallAt10} against exact search.`,
  );
  return lines;
}

/** The first answer of a fresh process, at two sizes, and the collection whose first answer would take 29 s. */
function firstAnswerMarkdown(f: FirstAnswerFigures | undefined): string[] {
  if (!f) return [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const chunks = (n: number) =>
    !Number.isFinite(n)
      ? "no size (it did not grow from the smaller size to the larger)"
      : n > 1e8
        ? "well beyond 100M chunks (it barely grew between the two sizes: the line says little)"
        : `~${(n / 1e6).toFixed(1)}M chunks`;
  const lines = [
    "",
    "## First answer of a fresh process (`bench/first-answer.ts`)",
    "",
    `Measured ${f.date}. The packaged MCP handler, laid out as the image's /var/task, in a fresh Node process with an empty /tmp, opens a collection of real text with 384-d vectors (bundle format 3) from s3rver on its first event: it answers keyword searches from byte ranges (the keyword index's directory, one range per query term, its hits' cards) while the whole files come in, and starts loading them once the first answer's hits are read. One process's first request is a keyword search, another's a hybrid search (as a long-running server answers it: by keyword until the vectors are in); the second then asks heartbeat every 25 ms until the vector index is in. A third asks hybrid as on Lambda (\`AWS_LAMBDA_FUNCTION_NAME\` set), where a function is frozen between requests and nothing loads behind them: there a hybrid search waits up to 20 s for the vector index. Median of 3 runs each. Queries are embedded by a generated 384-d test model (no real model can be downloaded here). The model loads on demand: a first keyword answer neither waits for it nor shares the CPU with it; a first hybrid answer waits for its load (a real model's is longer than the test model's).`,
    "",
    "| chunks | bundle (vectors.hnsw) | first keyword answer (import + open + search) | first hybrid answer, server | its mode | vector index in (download + verify + load) | first hybrid answer, as on Lambda |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const size of f.sizes) {
    const { keyword: k, hybrid: h, hybridLambda: l } = size;
    lines.push(
      `| ${size.chunks} | ${(size.bundleBytes / 1e6).toFixed(0)} MB (${((size.files["vectors.hnsw"] ?? 0) / 1e6).toFixed(0)} MB) | ${s(k.totalMs)} (${k.importMs} + ${k.firstCallMs} ms) | ${s(h.totalMs)} | ${h.mode}${h.notices.length ? " (and says why)" : ""} | ${h.vectorsReadyMs ? s(h.vectorsReadyMs) : "—"}${h.loadTimings?.vectorsMs ? ` (${h.loadTimings.vectorsMs} ms after open)` : ""} | ${l ? `${s(l.totalMs)} (${l.mode})` : "—"} |`,
    );
  }
  lines.push(
    "",
    `Before (2026-12-06, the same bench, the first answer waiting for documents.json, chunks.bin, texts.bin and keyword.bin whole): at 29,826 chunks first keyword answer 1.49 s (267 + 1227 ms), first hybrid answer in a server 1.39 s, vector index in 2.82 s, first hybrid answer as on Lambda 2.73 s; at 129,997 chunks 2.71 s (267 + 2439 ms), 3.42 s, 9.84 s and 8.77 s. Earlier still, every file loaded before any answer: 11.45 s at 130k with vectors.`,
    "",
    `Extrapolated linearly through the two sizes, API Gateway's 29 s is reached by the first keyword answer at ${chunks(f.limitChunks.firstKeyword)}, the first hybrid answer at ${chunks(f.limitChunks.firstHybrid)} (as on Lambda, where it waits for the vectors, it stays hybrid within 29 s up to ${f.limitChunks.firstHybridLambda ? chunks(f.limitChunks.firstHybridLambda) : "—"}; beyond, it ranks by keyword 20 s after the open), and the vector index (what a first semantic search waits for) at ${chunks(f.limitChunks.vectorsReady)}, on this machine against s3rver. A first answer read by range grows only with the reads before it: the keyword directory (vocabulary, offsets, one chunk → document entry per chunk: 4 bytes) and the card table (8 bytes per chunk), ~2.3 MB at 130k chunks, so at 10M chunks about 180 MB would be read before the first answer: there, and for what waits for the whole version (the vectors, filters, documents), split the collection (each collection loads on its own, in parallel) or raise the function's memory (Lambda's network and CPU grow with it); a function's 10 GB of memory and /tmp bound it too (about 1.7 KB of vectors and graph per chunk at 384-d, plus ~0.9 KB of keyword, text and cards). cards.bin costs ~220 bytes per chunk in the bundle (29 MB of 336 MB at 130k).`,
  );
  return lines;
}

export function markdown(r: BenchResults): string {
  const lines: string[] = [];
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  lines.push("# Benchmarks", "");
  lines.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}. Date: ${r.date}.`,
  );
  lines.push(`Command: \`${r.command}\`. Raw figures: [bench/results.json](bench/results.json).`, "");
  lines.push(
    "Embeddings come from the generated tiny model (`thoth/tiny`, 64 dimensions): no real model can be downloaded on the build machine. Latencies with `Xenova/all-MiniLM-L6-v2` (384 dimensions) will be higher for the query embedding and the vector search; keyword figures and the index mechanics carry over.",
    "",
  );
  lines.push("## Search latency (warm, `KnowledgeBase.search`, limit 10)", "");
  lines.push(
    "| chunks | hybrid p50 / p95 / p99 | semantic p50 / p95 / p99 | keyword p50 / p95 / p99 | exact brute force p50 / p99 (vector part only) | hnsw ef=64 p50 / p99 (vector part only) |",
  );
  lines.push("| --- | --- | --- | --- | --- | --- |");
  for (const s of r.search) {
    const f = (x: { p50: number; p95: number; p99: number }) => `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)}`;
    const ef64 = s.efs.find((e) => e.efSearch === 64)!;
    lines.push(
      `| ${s.chunks} | ${f(s.modes.hybrid!)} | ${f(s.modes.semantic!)} | ${f(s.modes.keyword!)} | ${ms(s.exact.p50)} / ${ms(s.exact.p99)} | ${ms(ef64.latency.p50)} / ${ms(ef64.latency.p99)} |`,
    );
  }
  lines.push("", "![search latency](bench/search-latency.svg)", "");
  lines.push("## Recall@10 of the hnsw index against exact search (M=16, efConstruction=200)", "");
  lines.push("| chunks | efSearch | recall@10 | p50 | p99 |", "| --- | --- | --- | --- | --- |");
  for (const s of r.search)
    for (const e of s.efs)
      lines.push(
        `| ${s.chunks} | ${e.efSearch} | ${e.recallAt10} | ${ms(e.latency.p50)} | ${ms(e.latency.p99)} |`,
      );
  lines.push(
    "",
    "Loaded bundle memory (RSS growth when the collection is opened, measured after garbage collection):",
    "",
  );
  for (const s of r.search)
    lines.push(
      `- ${s.chunks} chunks: ${s.loadedRssMb} MB, opened in ${s.openMs} ms (bundle built in ${(s.buildMs / 1000).toFixed(1)} s)`,
    );
  lines.push(...scaleMarkdown(r.scale));
  lines.push(...firstAnswerMarkdown(r.firstAnswer));
  lines.push("", "## Cold start (packaged handler in a fresh Node process, bundle from s3rver)", "");
  const c = r.coldStart.median;
  lines.push("| phase | median of 3 |", "| --- | --- |");
  lines.push(
    `| import index.mjs | ${c.importMs} ms |`,
    `| model load (inside the first call) | ${c.modelLoadMs} ms |`,
    `| bundle download + verify | ${c.downloadMs} ms |`,
    `| index load (decode, hnsw, BM25) | ${c.indexLoadMs} ms |`,
    `| first tools/call in all | ${c.firstCallMs} ms |`,
    `| import → first answer | ${c.totalMs} ms |`,
    `| second (warm) tools/call | ${c.secondCallMs} ms |`,
  );
  const n = r.coldStart.noModel.median;
  lines.push(
    "",
    `Without a model (keyword search; THOTH_MODEL_DIR unset), median of 3: import ${n.importMs} ms, first tools/call ${n.firstCallMs} ms (download + verify ${n.downloadMs} ms, index load ${n.indexLoadMs} ms): **import → first answer ${n.totalMs} ms**.`,
  );
  lines.push("", "## Refresh throughput", "");
  lines.push(
    "| chunks | embedding | documents/s | chunks/s | first run | second run (unchanged) | chunks embedded on 2nd run | peak RSS | bundle bytes/chunk |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const f of r.refresh)
    lines.push(
      `| ${f.chunks} | ${f.embedding ? "tiny model" : "none (keyword only)"} | ${f.docsPerSecond} | ${f.chunksPerSecond} | ${(f.firstMs / 1000).toFixed(2)} s | ${(f.secondMs / 1000).toFixed(2)} s | ${f.secondEmbedded} | ${f.peakRssMb} MB | ${f.bytesPerChunk} |`,
    );
  lines.push("", "![refresh time](bench/refresh-time.svg)", "");
  lines.push("## HTTP load (local server, `search_documents`, hybrid)", "");
  const h = r.http;
  lines.push(
    `autocannon, ${h.connections} connections for ${h.durationSeconds} s: ${h.requests} requests, ${h.requestsPerSecond} req/s, latency p50 ${h.latencyMs.p50} ms, p90 ${h.latencyMs.p90} ms, p99 ${h.latencyMs.p99} ms, max ${h.latencyMs.max} ms; errors ${h.errors}, timeouts ${h.timeouts}, non-2xx ${h.non2xx}.`,
    "",
  );
  lines.push("## Soak (mixed search load while refreshes publish and the server hot-swaps)", "");
  const k = r.soak;
  lines.push(
    `${k.seconds} s, ${k.concurrency} concurrent clients (search in all three modes, heartbeat every tenth call), a refresh every 5 s: ${k.requests} requests, **${k.errors} errors**, ${k.refreshes} refreshes (${k.refreshErrors} failed), ${k.versionsServed} versions served. RSS ${k.rssStartMb} MB at the start, ${k.rssEndMb} MB at the end, ${k.rssMaxMb} MB at most (one sample every 5 s: ${k.rssSamplesMb.join(", ")}); no upward trend.`,
    "",
  );
  lines.push(
    "## Artifact sizes (`npm run package`, without the real model)",
    "",
    "```",
    ...describeSizes(r.coldStart.sizes, false),
    "```",
    "",
  );
  lines.push(
    "## Retrieval quality (`npm run eval`)",
    "",
    "```",
    r.eval.trim(),
    "```",
    "",
    "The baseline is BM25 as Anserini runs it (k1 0.9, b 0.4, Lucene's English analyzer with Porter stemming) over whole documents. The tiny model is a test fixture, so its semantic and hybrid figures say little about a real model; keyword mode is the product's own ranking, held at par with the baseline or above it by `test/integration/eval.test.ts`. Only the held-out set says how it does on questions nobody tuned for.",
    "",
  );
  lines.push(
    "## What the measurements changed, and what they say next",
    "",
    "- **Keyword indexing against SQLite FTS5 (issue 24).** On the same 125,566 chunks, one thread each, the keyword index took 7.9 s to build and FTS5 2.6 s (same machine, same hour). Profiled, 5.3 s of the 7.9 went to words: a string sliced per word, hashed by a Map, filtered by a Set. `word-table.ts` now hashes each word from its characters while scanning (ASCII lowercased as read) into an open-addressing table of the words seen, making a string only for a word seen for the first time; the growable postings arrays became one class per element type (a generic one made every push polymorphic), and postings are laid out without a tuple each. Build 7.9 → 2.9–3.4 s, keyword.bin byte-identical. Then the impacts were computed in arrival order in one plain loop per kind (the shared layout function called two impact functions per posting), a document's postings copied in one `set`, and keyword.bin written in place (the file is allocated once the vocabulary is sorted, and the postings are laid straight into its sections, so `serialize` copies nothing): alternated in one warm process, 4 builds each, 2355 → 1776 ms median, byte-identical. A build in a fresh process is slower and varies more than FTS5's: in one hour the same Thoth build took 2.50–3.68 s in successive runs while FTS5 took 2.46–2.55 s (one 3.39 s), and the bench's rounds are in the table above. `/usr/bin/time` says why it is the more sensitive one: a Thoth run takes 174k minor page faults to FTS5's 104k (growing postings arrays by doubling touches their memory about twice; at ~10 µs a fault on this VM that is a few hundred ms)). So the postings now grow in fixed pages of 64k entries (a chunk's or document's never straddle two, so the loops index one page) instead of doubling arrays, and a chunk posting's impact is written over its title count: 140–152k page faults instead of 172k, keyword.bin byte-identical, and by hand, alternated fresh processes, Thoth beat FTS5 in 6 of 7 rounds (2.24–3.10 s vs 2.54–3.48 s, the machine drifting within the hour); the bench's run after it: Thoth 2.27 s median (2.00–2.37), FTS5 2.82 s (2.45–3.19). keyword.bin then became term-major (THOTHKW4: one block per term, for reading a query's postings by range), filled in place by the builder: 43.3 → 43.5 MB, and the table above is the bench's run after that, in a slower hour for both engines. `npm run bench -- --engines` reruns this table alone.",
    "- **Where a request's time goes (issue 24).** Profiled (`--cpu-prof`) under 50 connections against `thoth dev`'s server at 125,566 chunks, 20,000 distinct questions, the last 14 s of a run: the tool's work is 49% of the CPU, keyword scoring 30% (pruning by document 21%, candidates 4%, postings lookup 2%), building the hits 16% (inflating texts.bin blocks 10%, snippets 3.5%, label bounds 3%); reading and parsing the request's JSON 8%, garbage collection 6%, zod validation of arguments 4%, socket writes 4%, the API Gateway event round trip of the local server 4%, validating the result against the output schema 2%, the SDK's per-request server 1.4%, the rest HTTP and web streams. Before this issue a request took 4.3 ms of CPU (3,945 calls in 15 s, profiled the same way); three changes took it to ~2.5–3.0 ms in process: the output schema's JSON Schema converted once per cold start instead of once per request, no resources and prompts on a server that only answers tool calls (3.60 → 2.78 ms, paired), texts.bin blocks inflated into one buffer and the document floor and candidates found in one pass (3.10 → 3.03, 2.62 → 2.53 ms, paired). One event loop still answers one request at a time, so 500 req/s at 50 connections takes `thoth dev --workers 2` (the HTTP figures above); on Lambda each request is its own instance, and this CPU is what it pays.",
    "- **A server per request was expensive.** The stateless transport builds a new `McpServer` for every request, and each tool built its zod schemas while registering. Timed in-process over 300 sequential `tools/call search_documents` on the handbook (keyword mode): 4.30 ms per request, 1.97 ms of it building the server, before; 1.83 ms and 0.35 ms after the schemas became module constants built once per cold start. The HTTP and soak figures above are after the change.",
    "- **The SDK built an Ajv instance per request.** Profiled under load (`--cpu-prof`, 10 connections, 12k chunks), Ajv's constructor and rule compilation were the largest items of a request: the SDK makes one in every `Server` unless given a validator, and the stateless transport makes a server per request. One validator per process: 208 → 266 req/s on the same run.",
    '- **Keyword search at scale (issue 13).** MiniSearch (format 1) scored and sorted every posting of every query term and loaded by parsing JSON: at 131k chunks of real text it answered in p50 405 ms over HTTP, opened in 19 s and held 2.0 GB. Format 2 stores one-byte BM25F impacts in typed arrays (`adapters/keyword`). Three query strategies were measured on 125k chunks and 300 real 10–20-word questions (41k postings touched at p50): document-at-a-time MaxScore took 3.8 ms p50 for the chunk-level top 10, term-at-a-time with the exact "continue" strategy 1.2 ms (it skipped 2.6 of 9 lists per query but kept 83% of touched chunks in the running), and plain term-at-a-time accumulation over typed arrays 0.55 ms. The index used the last; all three were exact against exhaustive scoring.',
    "- **Pruning by document paid where pruning by posting did not (issue 13, second pass).** Profiled on the same 130k chunks, keyword search spent 2.2 ms p50 in process: 0.6 ms adding chunk postings, about 0.3 ms document postings, the rest combining every touched chunk with its document's score and selecting. Integer accumulators and one sequential pass with a running threshold (no touched-lists, no separate document pass) took it to 1.2 ms. Then keyword.bin THOTHKW3 stored, beside each document posting, the largest impact its term has in one of the document's chunks: the document postings (25.8k per query on average) give every document its exact score and a bound of its chunks' scores, the k-th best document score (a document counting once per chunk it may place) is a floor every result reaches, and only documents whose bound reaches it have their chunk postings read, by galloping. That keeps 1,095 of 15,338 touched documents on average (7%): 0.95 ms p50. keyword.bin grew 38.5 → 43.3 MB at 130k chunks (bundle 1.16× → 1.23× the text). Building hits is now half of a search: each hit inflates a 16 KiB block of texts.bin (~35 µs); 4 KiB blocks saved ~0.1 ms per query and cost 13 MB, so they stay 16 KiB.",
    "- **Indexing (issue 13, second pass).** Keyword-only indexing at 130k chunks went 2.9 → 3.9 MB/s: words found by a character scan on ASCII text instead of a match object per word (the Unicode pattern stays for other text; property tests hold the two equal), one word → term-id lookup per occurrence instead of a stem-cache lookup and a term lookup, and typed per-chunk counts instead of a Map per chunk (keyword.bin byte-identical). Then a second thread: from 10,000 chunks on, the keyword index is built on a worker thread (`threaded-builder.ts`), fed chunk by chunk while the main thread parses and chunks, and its file is taken before texts.bin is compressed so the two memory peaks do not meet. With `scale-child.ts index` on the same 130k chunks: 3.9 → 6.56 MB/s, peak RSS 952 MB (5.85 MB/s and 1037 MB when the keyword file was taken after the texts were compressed), keyword.bin byte-identical.",
    '- **Ranking, second pass (issue 24): two ideas measured and not kept.** Both were tried (`scripts/eval/rerank-experiments.ts`) on the sets ranking is tuned on (SciFact train, 809 questions; the 20 held-in handbook questions), so the held-out set stays unseen. Term proximity (BM25TP, Büttcher et al. 2006: each pair of neighbouring query-term occurrences in a chunk adds the other term\'s idf / distance², saturated like BM25, added to the top 50 chunks\' scores times a weight): SciFact 0.7072 → 0.7071 / 0.7070 / 0.7054 / 0.7021 nDCG@10 for weights 0.002 / 0.005 / 0.01 / 0.02; held-in 0.7762 → 0.7946 at 0.005 (one question moved) and lower at every other weight, and it would read 50 chunk texts per query. Evidence from a page\'s second passage (a page scores its best chunk + γ × its second): SciFact 0.7072 → 0.7064 / 0.7042 / 0.6979 for γ 0.1 / 0.25 / 0.5, held-in 0.7762 → 0.7512 / 0.7377 / 0.7309. The held-in questions it misses are vocabulary mismatches ("get paid back for something I bought" for the expenses page, "performance is not good enough" for "Addressing underperformance"), which no reweighting of the same words reaches: that is what hybrid ranking with a real embedding model is for, and it cannot be measured here without one.',
    '- **Keyword ranking (issue 13).** Chunk-level BM25F over title, heading path and text, plus the BM25 of the whole document (so a document split into chunks keeps all its evidence), at most 2 passages per document unless asked. Tuned on SciFact train (`npm run eval:tune`): k1 0.9, text b 0.5, title weight 3. nDCG@10, before (MiniSearch) → after, against plain BM25: SciFact train 0.6528 → 0.7072 (BM25 0.6677); 20 handbook questions over the real handbook (`eval/handbook-questions`) 0.6942 → 0.7762 (BM25 0.5412); `examples/beir-sample` 0.9675 → 0.9531 (BM25 0.9330). The "Demo day" page no longer outranks the time-off policy for "how many vacation days should I take" (the policy is second, after the benefits overview).',
    "- **hnsw parameters.** M=16, efConstruction=200, efSearch=64 stay for now, but real text changed the picture: with 384-dimensional clustered vectors at 130k chunks efSearch 64 reaches recall@10 0.992 at p99 0.71 ms, while the 64-dimensional tiny model's vectors of real text (23k chunks) reach only 0.914 (0.957 at efSearch 128). The tiny model is a fixture, not a model; with a real model, measure recall on its vectors before choosing efSearch.",
    "",
  );
  return lines.join("\n") + "\n";
}

/** Writes results.json, the charts and benchmarks.md into `docs`. */
export async function writeReport(results: BenchResults, docs: string): Promise<void> {
  await mkdir(join(docs, "bench"), { recursive: true });
  await writeFile(join(docs, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");
  await writeFile(
    join(docs, "bench", "search-latency.svg"),
    barChartSvg(
      "Search latency p50 / p99 by mode and size",
      "ms",
      results.search.flatMap((s) =>
        (["hybrid", "semantic", "keyword"] as const).map((m) => ({
          label: `${s.chunks} chunks, ${m}`,
          values: [
            { series: "p50", value: s.modes[m]!.p50 },
            { series: "p99", value: s.modes[m]!.p99 },
          ],
        })),
      ),
    ),
  );
  await writeFile(
    join(docs, "bench", "refresh-time.svg"),
    barChartSvg(
      "Refresh: first run and unchanged second run",
      "s",
      results.refresh.map((f) => ({
        label: `${f.chunks} chunks, ${f.embedding ? "tiny model" : "no embedding"}`,
        values: [
          { series: "first run", value: Math.round(f.firstMs / 10) / 100 },
          { series: "second run", value: Math.round(f.secondMs / 10) / 100 },
        ],
      })),
    ),
  );
  await writeFile(join(docs, "benchmarks.md"), markdown(results));
}
