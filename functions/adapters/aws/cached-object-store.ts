import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ObjectStore } from "../../core/ports.js";

/**
 * A read-through disk cache (Lambda's /tmp) in front of a remote ObjectStore, for objects that never change
 * once written: the files of a bundle version. Pointers and listings always go to the store.
 */
export class CachedObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly dir: string,
    private readonly immutable: (key: string) => boolean = (key) => key.includes("/versions/"),
  ) {}

  #file(key: string): string {
    return join(this.dir, createHash("sha256").update(key).digest("hex"));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (!this.immutable(key)) return this.inner.get(key);
    const file = this.#file(key);
    try {
      return new Uint8Array(await readFile(file));
    } catch {
      const body = await this.inner.get(key);
      if (body) {
        // Best effort: a full /tmp only costs a download next time.
        await mkdir(this.dir, { recursive: true })
          .then(() => writeFile(`${file}.tmp`, body))
          .then(() => rename(`${file}.tmp`, file))
          .catch(() => undefined);
      }
      return body;
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
    await Promise.all(keys.map((key) => rm(this.#file(key), { force: true })));
  }
}
