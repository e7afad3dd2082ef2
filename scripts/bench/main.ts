/**
 * `npm run bench [-- --quick]`: measures search latency and recall, cold start, refresh throughput, HTTP load
 * and artifact sizes on this machine, and writes docs/benchmarks.md (+ docs/bench/results.json and charts);
 * `--quick` writes to .thoth/bench-quick/ instead, so the committed figures stay those of a full run.
 * Benchmarks report numbers; nothing here passes or fails.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { logger } from "../../functions/lib/logger.js";
import { firstAnswerBench } from "./first-answer.js";
import { QUICK, REPO, runAll, type BenchResults } from "./measure.js";
import { markdown, writeReport } from "./report.js";
import { enginesBench, throughputBench } from "./scale.js";

logger.setLogLevel("ERROR");
// The cold-start section publishes to a local s3rver, which only accepts these credentials.
Object.assign(process.env, {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "S3RVER",
  AWS_SECRET_ACCESS_KEY: "S3RVER",
});
// A quick run is a smoke test of the harness: its figures go to .thoth/bench-quick/, never over the committed
// docs/benchmarks.md. `--report` rewrites benchmarks.md from the last results.json without measuring again;
// `--first-answer` measures that section alone (about 5 minutes) into the last results.json, and `--throughput`
// the largest keyword row of the scale section (indexing, open, search, HTTP; about 4 minutes), `--engines` the
// keyword engines beside SQLite FTS5 (about 4 minutes).
const docs = QUICK ? join(REPO, ".thoth", "bench-quick") : join(REPO, "docs");
const last = async () =>
  JSON.parse(await readFile(join(REPO, "docs", "bench", "results.json"), "utf8")) as BenchResults;
const results = process.argv.includes("--report")
  ? await last()
  : process.argv.includes("--first-answer")
    ? { ...(await last()), firstAnswer: await firstAnswerBench(QUICK) }
    : process.argv.includes("--throughput")
      ? await withThroughput(await last())
      : process.argv.includes("--engines")
        ? await withEngines(await last())
        : await runAll();
async function withEngines(results: BenchResults): Promise<BenchResults> {
  return { ...results, scale: { ...results.scale, engines: await enginesBench(QUICK) } };
}
async function withThroughput(results: BenchResults): Promise<BenchResults> {
  const keyword = [...results.scale.keyword];
  keyword[keyword.length - 1] = await throughputBench(QUICK);
  return { ...results, scale: { ...results.scale, keyword } };
}

await writeReport(results, docs);
console.log(markdown(results));
if (QUICK) console.error(`quick run: figures written to ${join(docs, "benchmarks.md")}, not to docs/`);
