import { expect } from "vitest";
import type { ObjectStore } from "../../functions/core/ports.js";

/**
 * What every store's `getRange` must do, on an object it writes itself: a range inside, one cut at the end, one
 * past the end, an empty one, a missing key, and bounds that make no sense.
 */
export async function expectByteRanges(store: ObjectStore, key: string): Promise<void> {
  const bytes = new Uint8Array(3000).map((_, i) => (i * 7) % 251);
  await store.put(key, bytes);
  const range = (start: number, end: number) => store.getRange!(key, start, end);
  expect(await range(0, 3000)).toEqual(bytes);
  expect(await range(1000, 1010)).toEqual(bytes.slice(1000, 1010));
  expect(await range(2990, 4000)).toEqual(bytes.slice(2990));
  expect(await range(3000, 3010)).toEqual(new Uint8Array(0));
  expect(await range(5, 5)).toEqual(new Uint8Array(0));
  expect(await store.getRange!(`${key}.missing`, 0, 10)).toBeUndefined();
  await expect(range(10, 5)).rejects.toThrow(/bad byte range/);
  await expect(range(-1, 5)).rejects.toThrow(/bad byte range/);
}
