import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { EngineFigures } from "../../scripts/bench/keyword-engines.js";
import { REPO_ROOT, tempDir } from "../helpers/folders.js";
import { needsShared } from "../helpers/shared-materials.js";

const run = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(REPO_ROOT, "scripts/bench/keyword-engines.ts"), ...args],
    { cwd: REPO_ROOT, env: { ...process.env, THOTH_LOG_LEVEL: "SILENT" }, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split("\n").pop()!) as unknown;
};

describe("npm run bench's keyword engines (Thoth's index beside SQLite FTS5)", () => {
  it("cuts the corpus as a refresh does, and both engines build, reopen and answer from the same chunks", async (context) => {
    needsShared(context, "eval/scifact-train", "corpora/sourcegraph-handbook");
    const dir = await tempDir("thoth-engines-");
    const chunksFile = join(dir, "chunks.jsonl");
    const prepared = (await run("prepare", "40", join(dir, "store"), chunksFile)) as { chunks: number };
    const lines = (await readFile(chunksFile, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(prepared.chunks);
    const first = JSON.parse(lines[0]!) as { doc: number; title: string; text: string };
    expect(first.doc).toBe(0);
    expect(first.title.length).toBeGreaterThan(0);
    for (const engine of ["thoth", "fts5"]) {
      const figures = (await run("run", engine, chunksFile, join(dir, engine), "20")) as EngineFigures;
      expect(figures).toMatchObject({ engine, chunks: prepared.chunks });
      expect(figures.indexBytes).toBeGreaterThan(0);
      expect(figures.query.p50).toBeGreaterThan(0);
    }
  });
});
