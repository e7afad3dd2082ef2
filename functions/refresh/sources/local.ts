import { readFile, readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { SourceError } from "../../core/errors.js";
import type { Source, SourceDocument } from "../../core/ports.js";

const IGNORED_DIRECTORIES = new Set([".git", "node_modules", ".thoth"]);

/** Every file under a folder (hidden files and VCS folders excepted); normalisation decides what it can read. */
export class LocalFolderSource implements Source {
  readonly type = "local" as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get origin(): string {
    return this.root;
  }

  async *documents(): AsyncIterable<SourceDocument> {
    const info = await stat(this.root).catch((cause: unknown) => {
      throw new SourceError(`cannot read folder ${this.root}`, { cause });
    });
    if (!info.isDirectory()) throw new SourceError(`${this.root} is not a folder`);
    yield* this.#walk(this.root);
  }

  async *#walk(dir: string): AsyncIterable<SourceDocument> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.name.startsWith(".") || IGNORED_DIRECTORIES.has(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.#walk(full);
      } else if (entry.isFile()) {
        const [bytes, info] = await Promise.all([readFile(full), stat(full)]);
        yield {
          path: relative(this.root, full).split(sep).join("/"),
          bytes: new Uint8Array(bytes),
          updatedAt: info.mtime.toISOString(),
        };
      }
    }
  }

  async cursor(): Promise<string | undefined> {
    return undefined;
  }
}
