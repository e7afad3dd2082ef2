import type { ObjectStore } from "../../functions/core/ports.js";

/** An in-memory ObjectStore for unit tests; `failPut` makes writes of matching keys throw. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly writes: string[] = [];
  failPut?: (key: string) => boolean;

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    if (this.failPut?.(key)) throw new Error(`injected failure writing ${key}`);
    this.writes.push(key);
    this.objects.set(key, typeof body === "string" ? new TextEncoder().encode(body) : body);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}
