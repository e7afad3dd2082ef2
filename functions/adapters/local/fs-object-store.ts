import { mkdir, open, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { dirname, join, relative, resolve, sep } from "node:path";
import { randomBytes } from "node:crypto";
import type { ObjectStore } from "../../core/ports.js";

/** An ObjectStore over a directory: key `a/b.json` is the file `<root>/a/b.json`. Writes are atomic (rename). */
export class FsObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  #path(key: string): string {
    const path = resolve(this.root, key);
    if (!key || key.includes("\0") || !path.startsWith(this.root + sep)) {
      throw new RangeError(`object key "${key}" escapes the store`);
    }
    return path;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#path(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async read(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    const body = await this.get(key);
    return body ? { body, etag: createHash("sha256").update(body).digest("hex") } : undefined;
  }

  /** Compare-and-swap under an exclusive lock file, so concurrent local writers cannot interleave. */
  async putIfUnchanged(key: string, body: Uint8Array | string, expected: string | null): Promise<boolean> {
    const lock = `${this.#path(key)}.lock`;
    await mkdir(dirname(lock), { recursive: true });
    const handle = await acquire(lock);
    try {
      const current = await this.read(key);
      if ((current?.etag ?? null) !== expected) return false;
      await this.put(key, body);
      return true;
    } finally {
      await handle.close();
      await rm(lock, { force: true });
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.endsWith(".tmp") && !entry.name.endsWith(".lock")) {
          const key = relative(this.root, full).split(sep).join("/");
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    // Walk only the deepest directory the prefix names, not the whole store.
    const dirPart = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    await walk(dirPart ? this.#path(dirPart) : this.root);
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.#path(key), { force: true })));
  }
}

async function acquire(lock: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await open(lock, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
}
