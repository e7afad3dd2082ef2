import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ObjectStore } from "../../core/ports.js";

/**
 * A read-through disk cache (Lambda's /tmp) in front of a remote ObjectStore, for objects that never change
 * once written: the files of a bundle version. Pointers and listings always go to the store.
 *
 * Bounded: /tmp is 512 MB unless the function is given more, and it also has to hold the copy hnswlib loads
 * the vector index from. Files over `maxBytes` are not cached; otherwise the least recently used files are
 * removed until a new one fits (versions that were swapped out go first).
 */
export class CachedObjectStore implements ObjectStore {
  /** Cached files by path, least recently used first, with their sizes; read from the dir once. */
  #files?: Promise<Map<string, number>>;
  /** Files being written now: their room is reserved, and they are not evicted. */
  readonly #writing = new Set<string>();

  constructor(
    private readonly inner: ObjectStore,
    private readonly dir: string,
    private readonly maxBytes = Infinity,
    private readonly immutable: (key: string) => boolean = (key) => key.includes("/versions/"),
  ) {}

  #file(key: string): string {
    return join(this.dir, createHash("sha256").update(key).digest("hex"));
  }

  /** The index, read once: concurrent first calls share one read (and so one map). */
  #index(): Promise<Map<string, number>> {
    return (this.#files ??= this.#readIndex());
  }

  async #readIndex(): Promise<Map<string, number>> {
    const files = new Map<string, number>();
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => !n.endsWith(".tmp"))) {
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info?.isFile()) files.set(join(this.dir, name), info.size);
    }
    return files;
  }

  /** The bytes cached now (files being written count from the moment their room is reserved). */
  async cachedBytes(): Promise<number> {
    return sum((await this.#index()).values());
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (!this.immutable(key)) return this.inner.get(key);
    const file = this.#file(key);
    const files = await this.#index();
    try {
      const body = new Uint8Array(await readFile(file));
      // Most recently used last (unless it was just chosen for eviction: then its room is already given away).
      if (files.delete(file)) files.set(file, body.byteLength);
      return body;
    } catch {
      const body = await this.inner.get(key);
      // Best effort: a full /tmp only costs a download next time.
      if (body) await this.#keep(file, body).catch(() => undefined);
      return body;
    }
  }

  /**
   * Caches `body` within the budget. Room is reserved before anything is written, in one synchronous step (the
   * index already counts files being written), so concurrent downloads cannot each see the same free space and
   * together overrun it; a file still being written is never chosen for eviction, and when no room can be made
   * the body is simply not cached.
   */
  async #keep(file: string, body: Uint8Array): Promise<void> {
    if (body.byteLength > this.maxBytes) return;
    const files = await this.#index();
    if (this.#writing.has(file)) return;
    files.delete(file);
    let total = sum(files.values());
    const victims: string[] = [];
    for (const [old, size] of files) {
      if (total + body.byteLength <= this.maxBytes) break;
      if (this.#writing.has(old)) continue;
      victims.push(old);
      total -= size;
    }
    if (total + body.byteLength > this.maxBytes) return;
    for (const old of victims) files.delete(old);
    files.set(file, body.byteLength);
    this.#writing.add(file);
    try {
      await Promise.all(victims.map((old) => rm(old, { force: true })));
      await mkdir(this.dir, { recursive: true });
      await writeFile(`${file}.tmp`, body);
      await rename(`${file}.tmp`, file);
    } catch (error) {
      files.delete(file);
      await rm(`${file}.tmp`, { force: true });
      throw error;
    } finally {
      this.#writing.delete(file);
    }
  }

  read(key: string) {
    return this.inner.read(key);
  }

  put(key: string, body: Uint8Array | string, options?: { contentType?: string }) {
    return this.inner.put(key, body, options);
  }

  putIfUnchanged(
    key: string,
    body: Uint8Array | string,
    expected: string | null,
    options?: { contentType?: string },
  ) {
    return this.inner.putIfUnchanged(key, body, expected, options);
  }

  list(prefix: string) {
    return this.inner.list(prefix);
  }

  listObjects(prefix: string) {
    return this.inner.listObjects(prefix);
  }

  async delete(keys: string[]): Promise<void> {
    await this.inner.delete(keys);
    const files = await this.#index();
    await Promise.all(
      keys.map((key) => {
        files.delete(this.#file(key));
        return rm(this.#file(key), { force: true });
      }),
    );
  }
}

function sum(sizes: Iterable<number>): number {
  let total = 0;
  for (const size of sizes) total += size;
  return total;
}
