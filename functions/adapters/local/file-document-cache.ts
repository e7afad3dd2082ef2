import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DocumentCache, RefreshRun } from "../../core/ports.js";
import type { CachedDocument } from "../../core/contracts.js";

const MAX_RUNS = 100;

/** Writes a file atomically through a temp name of its own, so concurrent writers never share one. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The document cache on disk, for local runs: `<dir>/<collection>/documents.json`, and one file per run under
 * `<dir>/<collection>/runs/`. A run record is never read-modified-written, so concurrent local runs (two
 * shells, or `thoth dev` beside `thoth index`) cannot lose each other's records.
 */
export class FileDocumentCache implements DocumentCache {
  constructor(private readonly dir: string) {}

  #folder(collection: string, ...parts: string[]): string {
    return join(this.dir, collection, ...parts);
  }

  async replaceDocuments(collection: string, documents: CachedDocument[]): Promise<void> {
    await mkdir(this.#folder(collection), { recursive: true });
    await writeAtomic(this.#folder(collection, "documents.json"), JSON.stringify(documents, null, 2));
  }

  async listDocuments(collection: string): Promise<CachedDocument[]> {
    return (await readJson<CachedDocument[]>(this.#folder(collection, "documents.json"))) ?? [];
  }

  async putRun(run: RefreshRun): Promise<void> {
    const runs = this.#folder(run.collection, "runs");
    await mkdir(runs, { recursive: true });
    // Named so that names sort by start time; a run's later updates replace its own file only.
    await writeAtomic(
      join(runs, `${run.startedAt.replace(/[:.]/g, "-")}_${run.runId}.json`),
      JSON.stringify(run),
    );
    const names = await this.#runFiles(run.collection);
    await Promise.all(names.slice(MAX_RUNS).map((name) => rm(join(runs, name), { force: true })));
  }

  async #runFiles(collection: string): Promise<string[]> {
    try {
      return (await readdir(this.#folder(collection, "runs")))
        .filter((name) => name.endsWith(".json"))
        .sort()
        .reverse();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
  }

  async listRuns(collection: string, limit = 20): Promise<RefreshRun[]> {
    const names = (await this.#runFiles(collection)).slice(0, limit);
    const runs = await Promise.all(
      names.map((name) => readJson<RefreshRun>(this.#folder(collection, "runs", name))),
    );
    return runs.filter((r): r is RefreshRun => !!r);
  }
}
