import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { dirname, join, relative, resolve, sep } from "node:path";
import { randomBytes } from "node:crypto";
import { checkRange, type ListedObject, type LocalObject, type ObjectStore } from "../../core/ports.js";

/** Bytes `[start, end)` of a file, fewer where it ends sooner. */
export async function readFileRange(file: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const bytes = new Uint8Array(end - start);
    let at = 0;
    while (at < bytes.length) {
      const { bytesRead } = await handle.read(bytes, at, bytes.length - at, start + at);
      if (!bytesRead) break;
      at += bytesRead;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/** An ObjectStore over a directory: key `a/b.json` is the file `<root>/a/b.json`. Writes are atomic (rename). */
export class FsObjectStore implements ObjectStore {
  readonly root: string;

  constructor(
    root: string,
    private readonly lockOptions: LockOptions = {},
  ) {
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

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined> {
    checkRange(start, end);
    try {
      return await readFileRange(this.#path(key), start, end);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** The object's own file (objects are replaced by rename, never written in place). */
  async getFile(key: string): Promise<LocalObject | undefined> {
    const file = this.#path(key);
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? { file, release: () => undefined } : undefined;
  }

  async read(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    const body = await this.get(key);
    return body ? { body, etag: createHash("sha256").update(body).digest("hex") } : undefined;
  }

  /** Compare-and-swap under an exclusive lock file, so concurrent local writers cannot interleave. */
  async putIfUnchanged(key: string, body: Uint8Array | string, expected: string | null): Promise<boolean> {
    const lock = `${this.#path(key)}.lock`;
    await mkdir(dirname(lock), { recursive: true });
    const held = await acquire(lock, this.lockOptions);
    try {
      const current = await this.read(key);
      if ((current?.etag ?? null) !== expected) return false;
      await this.put(key, body);
      return true;
    } finally {
      await release(lock, held);
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temp, body);
    await rename(temp, path);
  }

  /** A directory's entries (a seam for tests: a root user can read every folder, whatever its mode). */
  protected readDirectory(dir: string) {
    return readdir(dir, { withFileTypes: true });
  }

  /**
   * Every key under `prefix`. A folder below the prefix's own that cannot be read (permissions) is left out
   * rather than failing the whole listing: one collection's unreadable folder must not hide every other
   * collection's new versions; reading that collection's files then fails, for it alone, with the reason.
   */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string, top: boolean): Promise<void> => {
      let entries;
      try {
        entries = await this.readDirectory(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || (!top && (code === "EACCES" || code === "EPERM"))) return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full, false);
        else if (entry.isFile() && !entry.name.endsWith(".tmp") && !entry.name.endsWith(".lock")) {
          const key = relative(this.root, full).split(sep).join("/");
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    // Walk only the deepest directory the prefix names, not the whole store.
    const dirPart = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    await walk(dirPart ? this.#path(dirPart) : this.root, true);
    return keys.sort();
  }

  async listObjects(prefix: string): Promise<ListedObject[]> {
    const keys = await this.list(prefix);
    const sizes = await Promise.all(
      keys.map((key) =>
        stat(this.#path(key)).then(
          (s) => s.size,
          () => -1,
        ),
      ),
    );
    return keys.flatMap((key, i) => (sizes[i]! >= 0 ? [{ key, size: sizes[i]! }] : []));
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.#path(key), { force: true })));
  }
}

export interface LockOptions {
  /** How long to wait for a live holder. Default 10 s. */
  timeoutMs?: number;
  /** A lock older than this is stale whoever holds it (the critical section takes milliseconds). Default 30 s. */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  at: number;
  /** Makes every lock's content unique, so "the same stale lock" can be told by its content alone. */
  nonce: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock's content when it is stale (its process is gone, or it is older than `staleMs`), else undefined. */
async function staleOwner(lock: string, staleMs: number): Promise<string | undefined> {
  let text: string;
  let modified: number;
  try {
    [text, modified] = await Promise.all([readFile(lock, "utf8"), stat(lock).then((s) => s.mtimeMs)]);
  } catch {
    return undefined; // released meanwhile: just retry
  }
  let owner: Partial<LockOwner> = {};
  try {
    owner = JSON.parse(text) as LockOwner;
  } catch {
    // Written by an older version, or the owner died between creating and writing it: judged by age alone.
  }
  const age = Date.now() - (owner.at ?? modified);
  const dead = typeof owner.pid === "number" && owner.pid !== process.pid && !alive(owner.pid);
  return dead || age > staleMs ? text : undefined;
}

/**
 * An exclusive lock file holding its owner's pid, time and a nonce. A lock left by a crashed process (its pid
 * is gone, or it is older than `staleMs`) is taken over (see `takeOver`), so one crash cannot block a
 * collection for good. Returns the content written, which `release` checks before removing the lock.
 */
async function acquire(lock: string, options: LockOptions = {}): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  for (;;) {
    const content = JSON.stringify({
      pid: process.pid,
      at: Date.now(),
      nonce: randomBytes(8).toString("hex"),
    } satisfies LockOwner);
    try {
      const handle = await open(lock, "wx");
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      return content;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const stale = await staleOwner(lock, staleMs);
    if (stale !== undefined && (await takeOver(lock, stale, staleMs))) continue;
    if (Date.now() > deadline) {
      throw new Error(
        `${lock} is held by another running thoth process; wait for it to finish (a lock of a crashed process is taken over after ${Math.round(staleMs / 1000)} s)`,
      );
    }
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
}

/**
 * Removes the stale lock whose content is `stale`, atomically with respect to every other process doing the
 * same: removal needs a takeover token named after that content, which one process at a time can create
 * (`wx`). Holding it, the lock is removed only if it still has that content; nobody else may remove it
 * meanwhile (its owner is gone, and other takers wait for the token), so the check and the removal cannot be
 * split by another writer. Reading, comparing and removing without the token let two writers each remove the
 * lock the other had just created, and both win one compare-and-swap. Returns false when another process
 * holds the token.
 */
async function takeOver(lock: string, stale: string, staleMs: number): Promise<boolean> {
  const token = `${lock}.${createHash("sha256").update(stale).digest("hex").slice(0, 16)}.lock`;
  let handle;
  try {
    handle = await open(token, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // A token left by a taker that crashed while holding it would block the lock for good.
    const age = await stat(token).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > staleMs) await rm(token, { force: true });
    return false;
  }
  try {
    if ((await readFile(lock, "utf8").catch(() => undefined)) === stale) await rm(lock, { force: true });
    return true;
  } finally {
    await handle.close();
    await rm(token, { force: true });
  }
}

/** Removes the lock if it is still the one `acquire` wrote (a lock taken over as stale is someone else's now). */
async function release(lock: string, content: string): Promise<void> {
  if ((await readFile(lock, "utf8").catch(() => undefined)) === content) await rm(lock, { force: true });
}
