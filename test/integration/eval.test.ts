import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { mrrAt, ndcgAt, readBeir, recallAt } from "../../scripts/eval/beir.js";
import { Bm25Baseline } from "../../scripts/eval/bm25-baseline.js";
import { evaluate } from "../../scripts/eval/main.js";
import { REPO_ROOT, folderWith, tempDir } from "../helpers/folders.js";
import { needsShared } from "../helpers/shared-materials.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const SAMPLE = join(REPO_ROOT, "examples", "beir-sample");

describe("retrieval metrics", () => {
  it("computes nDCG with graded gains and recall at a cutoff", () => {
    const relevant = new Map([
      ["a", 2],
      ["b", 1],
    ]);
    expect(ndcgAt(["a", "b", "c"], relevant, 10)).toBeCloseTo(1, 10);
    expect(ndcgAt(["b", "a"], relevant, 10)).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)), 10);
    expect(ndcgAt(["c"], relevant, 10)).toBe(0);
    expect(recallAt(["x", "a"], relevant, 1)).toBe(0);
    expect(recallAt(["x", "a"], relevant, 2)).toBe(0.5);
    expect(mrrAt(["x", "b", "a"], relevant, 10)).toBe(0.5);
    expect(mrrAt(["x", "y"], relevant, 10)).toBe(0);
    expect(mrrAt(["x", "a"], relevant, 1)).toBe(0);
  });
});

describe("the BM25 baseline and the scoring, as BEIR and Anserini do them", () => {
  it("stems with Porter and drops possessives and stopwords, as Lucene's EnglishAnalyzer does", () => {
    const baseline = new Bm25Baseline([
      { id: "runs", text: "The runner runs daily runs." },
      { id: "owner", text: "The team's owner approves." },
      { id: "other", text: "Nothing to see here at all." },
    ]);
    expect(baseline.rank("running", 10)).toEqual(["runs"]);
    expect(baseline.rank("teams", 10)).toEqual(["owner"]);
    expect(baseline.rank("the a of", 10)).toEqual([]);
  });

  it("does not count a document with the query's own id as its answer", async () => {
    const dir = await folderWith({
      "corpus.jsonl": [
        { _id: "c1", title: "Zebra stripes", text: "Zebra stripes confuse biting flies." },
        { _id: "c2", title: "Flies", text: "Biting flies avoid striped zebra hides, studies found." },
        { _id: "c3", title: "Unrelated", text: "Nothing about animals here." },
      ]
        .map((d) => JSON.stringify(d))
        .join("\n"),
      "queries.jsonl": '{"_id":"c1","text":"zebra stripes confuse biting flies"}\n',
      "qrels/test.tsv": "query-id\tcorpus-id\tscore\nc1\tc2\t1\n",
    });
    const saved = process.env.THOTH_MODEL_DIR;
    delete process.env.THOTH_MODEL_DIR;
    try {
      const report = await evaluate(dir);
      for (const r of report.results) expect(r.ndcg10, r.mode).toBeCloseTo(1, 10);
    } finally {
      if (saved !== undefined) process.env.THOTH_MODEL_DIR = saved;
    }
  });
});

describe("eval/handbook-unseen, the held-out handbook questions", () => {
  it("quotes each answer from every page judged for it, judges every page that holds it, and shares no page with the held-in set", async (context) => {
    needsShared(context, "corpora/sourcegraph-handbook");
    const unseen = await readBeir(join(REPO_ROOT, "eval/handbook-unseen"));
    const heldIn = await readBeir(join(REPO_ROOT, "eval/handbook-questions"));
    const flat = (text: string) => text.replace(/\s+/g, " ");
    const pages = new Map(unseen.corpus.map((d) => [d._id, flat(d.text)]));
    const lines = (await readFile(join(REPO_ROOT, "eval/handbook-unseen/queries.jsonl"), "utf8")).split("\n");
    const answers = new Map(
      lines
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { _id: string; metadata: { answer: string } })
        .map((q) => [q._id, flat(q.metadata.answer)] as const),
    );
    expect(answers.size).toBeGreaterThanOrEqual(30);
    const heldInPages = new Set([...heldIn.qrels.values()].flatMap((judged) => [...judged.keys()]));
    for (const [id, answer] of answers) {
      const holding = [...pages].filter(([, text]) => text.includes(answer)).map(([path]) => path);
      expect([...unseen.qrels.get(id)!.keys()].sort(), id).toEqual(holding.sort());
      expect(
        holding.filter((p) => heldInPages.has(p)),
        id,
      ).toEqual([]);
    }
  });
});

describe("npm run eval on the shipped BEIR sample", () => {
  it("keyword mode ranks at par with BM25 as Anserini runs it (within 0.01 nDCG@10)", async () => {
    const saved = process.env.THOTH_MODEL_DIR;
    delete process.env.THOTH_MODEL_DIR;
    try {
      const report = await evaluate(SAMPLE);
      const keyword = report.results.find((r) => r.mode === "keyword")!;
      const baseline = report.results.find((r) => r.mode === "bm25-baseline")!;
      expect(report.documents).toBe(39);
      expect(keyword.queries).toBe(35);
      expect(keyword.ndcg10).toBeGreaterThanOrEqual(baseline.ndcg10 - 0.01);
      expect(keyword.recall100).toBe(1);
    } finally {
      if (saved !== undefined) process.env.THOTH_MODEL_DIR = saved;
    }
  });

  // Real text, not only our own sample: the handbook questions (a folder of Markdown) and SciFact's train split.
  it.for([
    ["eval/handbook-questions", undefined, 0.1, "corpora/sourcegraph-handbook"],
    ["eval/handbook-unseen", undefined, 0, "corpora/sourcegraph-handbook"],
    ["../shared/eval/scifact-train", "train", 0, "eval/scifact-train"],
  ] as const)(
    "keyword mode ranks at least as well as the stemmed BM25 baseline on %s",
    { timeout: 120_000 },
    async ([dir, split, margin, material], context) => {
      needsShared(context, material);
      const saved = process.env.THOTH_MODEL_DIR;
      delete process.env.THOTH_MODEL_DIR;
      try {
        const report = await evaluate(join(REPO_ROOT, dir), split ? { split } : {});
        const keyword = report.results.find((r) => r.mode === "keyword")!;
        const baseline = report.results.find((r) => r.mode === "bm25-baseline")!;
        expect(keyword.queries).toBeGreaterThanOrEqual(20);
        expect(keyword.ndcg10).toBeGreaterThanOrEqual(baseline.ndcg10 + margin);
      } finally {
        if (saved !== undefined) process.env.THOTH_MODEL_DIR = saved;
      }
    },
  );

  it("prints one JSON object with every mode when a model is available", async () => {
    const { stdout } = await promisify(execFile)("npm", ["run", "--silent", "eval", "--", SAMPLE, "--json"], {
      cwd: REPO_ROOT,
      env: { ...process.env, THOTH_MODEL_DIR: await tinyModelDir(), THOTH_EMBEDDING_MODEL: "thoth/tiny" },
    });
    const report = JSON.parse(stdout) as {
      model: string;
      results: { mode: string; ndcg10: number; mrr10: number; recall10: number; recall100: number }[];
    };
    expect(report.model).toBe("thoth/tiny");
    expect(report.results.map((r) => r.mode)).toEqual(["hybrid", "semantic", "keyword", "bm25-baseline"]);
    for (const r of report.results)
      for (const v of [r.ndcg10, r.mrr10, r.recall10, r.recall100]) expect(v).toBeGreaterThanOrEqual(0);
  });

  it("explains a folder that is not BEIR-format", async () => {
    const result = await promisify(execFile)("npm", ["run", "--silent", "eval", "--", await tempDir()], {
      cwd: REPO_ROOT,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/is this a BEIR folder/);
  });

  it("explains a dataset whose corpus folder is not on this machine (a clone without ../shared)", async () => {
    const dir = await folderWith({
      "corpus.json": JSON.stringify({ folder: "../not-here/sourcegraph-handbook" }),
      "queries.jsonl": '{"_id":"q1","text":"x"}\n',
      "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\ta.md\t1\n",
    });
    const result = await promisify(execFile)("npm", ["run", "--silent", "eval", "--", dir], {
      cwd: REPO_ROOT,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(
      /^eval: cannot read the corpus folder .*not-here\/sourcegraph-handbook, which .*corpus\.json names: it is outside this repository/m,
    );
    expect((result as { stderr: string }).stderr).not.toMatch(/ENOENT|\n\s+at /);
  });
});
