import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkRange, type LocalObject, type ObjectStore } from "../../core/ports.js";
import { readFileRange } from "../local/fs-object-store.js";

/**
 * A read-through disk cache (Lambda's /tmp) in front of a remote ObjectStore, for objects that never change
 * once written: the files of a bundle version. Pointers and listings always go to the store.
 *
 * Bounded: /tmp is 512 MB unless the function is given more. Files over `maxBytes` are not cached; otherwise
 * the least recently used files are removed until a new one fits (versions that were swapped out go first).
 * `getFile` hands out a cached file itself (hnswlib loads the vector index from it, with no second copy), held
 * against eviction until released.
 */
export class CachedObjectStore implements ObjectStore {
  /** Cached files by path, least recently used first, with their sizes; read from the dir once. */
  #files?: Promise<Map<string, number>>;
  /** Files being written now: their room is reserved, and they are not evicted. */
  readonly #writing = new Set<string>();
  /** Files handed out by `getFile` and not yet released, with how many holders each has: not evicted. */
  readonly #held = new Map<string, number>();

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

  /** From the cached file when there is one (a range is not cached by itself), else from the store. */
  async getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined> {
    checkRange(start, end);
    const file = this.#file(key);
    const files = await this.#index();
    if (this.immutable(key) && files.has(file) && !this.#writing.has(file)) {
      const bytes = await readFileRange(file, start, end).catch(() => undefined);
      if (bytes) return bytes;
    }
    if (this.inner.getRange) return this.inner.getRange(key, start, end);
    return (await this.inner.get(key))?.slice(start, end);
  }

  async getFile(key: string): Promise<LocalObject | undefined> {
    if (!this.immutable(key)) {
      const bytes = await this.inner.get(key);
      return bytes && { bytes };
    }
    const file = this.#file(key);
    const files = await this.#index();
    // Held before anything is awaited: a concurrent download cannot choose it for eviction from here on.
    this.#hold(file);
    let handed = false;
    try {
      // In the index and not being written (a file chosen for eviction has already left the index).
      const listed = files.has(file) && !this.#writing.has(file);
      const cached = listed ? await stat(file).catch(() => undefined) : undefined;
      if (cached?.isFile()) {
        // Most recently used last.
        files.delete(file);
        files.set(file, cached.size);
      } else {
        const bytes = await this.inner.get(key);
        if (!bytes) return undefined;
        // Another download of the same file is being written: this one is handed over as bytes.
        if (this.#writing.has(file)) return { bytes };
        const kept = await this.#keep(file, bytes).then(
          () => files.has(file),
          () => false,
        );
        if (!kept) return { bytes };
      }
      handed = true;
      return { file, release: once(() => this.#unhold(file)) };
    } finally {
      if (!handed) this.#unhold(file);
    }
  }

  #hold(file: string): void {
    this.#held.set(file, (this.#held.get(file) ?? 0) + 1);
  }

  #unhold(file: string): void {
    const n = (this.#held.get(file) ?? 1) - 1;
    if (n > 0) this.#held.set(file, n);
    else this.#held.delete(file);
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
      if (this.#writing.has(old) || this.#held.has(old)) continue;
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

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) fn();
    done = true;
  };
}

function sum(sizes: Iterable<number>): number {
  let total = 0;
  for (const size of sizes) total += size;
  return total;
}
