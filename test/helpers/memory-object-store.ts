import { sha256 } from "../../functions/core/bundle.js";
import { checkRange, type ListedObject, type ObjectStore } from "../../functions/core/ports.js";

/** An in-memory ObjectStore for unit tests; `failPut` makes writes of matching keys throw. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly writes: string[] = [];
  failPut?: (key: string) => boolean;

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  /** Every range asked for, as `key start end`. */
  readonly ranges: string[] = [];

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined> {
    checkRange(start, end);
    this.ranges.push(`${key} ${start} ${end}`);
    return this.objects.get(key)?.slice(start, end);
  }

  async read(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    const body = this.objects.get(key);
    return body ? { body, etag: sha256(body) } : undefined;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    if (this.failPut?.(key)) throw new Error(`injected failure writing ${key}`);
    this.writes.push(key);
    this.objects.set(key, typeof body === "string" ? new TextEncoder().encode(body) : body);
  }

  async putIfUnchanged(key: string, body: Uint8Array | string, expected: string | null): Promise<boolean> {
    const current = await this.read(key);
    if ((current?.etag ?? null) !== expected) return false;
    await this.put(key, body);
    return true;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async listObjects(prefix: string): Promise<ListedObject[]> {
    // Like S3: the listing carries each object's size and the same entity tag a read returns.
    return (await this.list(prefix)).map((key) => {
      const body = this.objects.get(key)!;
      return { key, size: body.byteLength, etag: sha256(body) };
    });
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}
