import { readFile, readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { SourceError } from "../../core/errors.js";
import { DEFAULT_MAX_DOCUMENT_BYTES, skippedAsTooLarge } from "../../core/normalize.js";
import type { Source, SourceDocument } from "../../core/ports.js";

const IGNORED_DIRECTORIES = new Set([".git", "node_modules", ".thoth"]);

/** Every file under a folder (hidden files and VCS folders excepted); normalisation decides what it can read. */
export class LocalFolderSource implements Source {
  readonly type = "local" as const;
  readonly root: string;

  constructor(
    root: string,
    private readonly maxBytes = DEFAULT_MAX_DOCUMENT_BYTES,
  ) {
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
        const path = relative(this.root, full).split(sep).join("/");
        // Size first: a huge file is skipped without being read (a file over 2 GiB cannot even be read whole).
        const info = await stat(full);
        if (info.size > this.maxBytes) {
          yield skippedAsTooLarge(path, info.size, this.maxBytes);
          continue;
        }
        yield { path, bytes: new Uint8Array(await readFile(full)), updatedAt: info.mtime.toISOString() };
      }
    }
  }

  async cursor(): Promise<string | undefined> {
    return undefined;
  }
}
