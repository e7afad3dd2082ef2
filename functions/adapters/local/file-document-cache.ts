import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CachedDocument, DocumentCache, RefreshRun } from "../../core/ports.js";

const MAX_RUNS = 100;

interface CacheFile {
  documents: CachedDocument[];
  runs: RefreshRun[];
}

/** The document cache as one JSON file per collection (`<dir>/<collection>.json`), for local runs. */
export class FileDocumentCache implements DocumentCache {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  async #load(collection: string): Promise<CacheFile> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${collection}.json`), "utf8")) as CacheFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { documents: [], runs: [] };
      throw error;
    }
  }

  /** Read-modify-write, one at a time within this process, replaced atomically on disk. */
  #update(collection: string, change: (file: CacheFile) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      const file = await this.#load(collection);
      change(file);
      await mkdir(this.dir, { recursive: true });
      const path = join(this.dir, `${collection}.json`);
      await writeFile(`${path}.tmp`, JSON.stringify(file, null, 2));
      await rename(`${path}.tmp`, path);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  replaceDocuments(collection: string, documents: CachedDocument[]): Promise<void> {
    return this.#update(collection, (file) => {
      file.documents = documents;
    });
  }

  async listDocuments(collection: string): Promise<CachedDocument[]> {
    return (await this.#load(collection)).documents;
  }

  putRun(run: RefreshRun): Promise<void> {
    return this.#update(collection(run), (file) => {
      file.runs = [run, ...file.runs.filter((r) => r.runId !== run.runId)]
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
        .slice(0, MAX_RUNS);
    });
  }

  async listRuns(collection: string, limit = 20): Promise<RefreshRun[]> {
    return (await this.#load(collection)).runs.slice(0, limit);
  }
}

const collection = (run: RefreshRun) => run.collection;
