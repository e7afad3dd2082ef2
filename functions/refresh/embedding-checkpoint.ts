/**
 * Embeddings a run has finished, kept in the object store while it runs, so that a run that stops before it
 * publishes (Ctrl-C, a crash, a Lambda time-out) loses at most the last few seconds of work: the next run
 * with the same model takes them back by content hash instead of embedding those chunks again.
 *
 *   collections/<name>/embeddings/<model key>/<segment>.bin   one per flush: the vectors embedded since the last
 *
 * A segment is "THOTHEM1", a u32 header length, a JSON header ({ model, dimensions, count }), then `count`
 * 16-byte keys (the first half of the sha256 of the text embedded) and `count` float32 vectors. A successful
 * run (published, or nothing to publish) deletes the collection's checkpoints, every model's.
 */
import { createHash, randomBytes } from "node:crypto";
import { bundleKeys } from "../core/bundle.js";
import type { Embedder, ObjectStore } from "../core/ports.js";

const MAGIC = "THOTHEM1";
const KEY_BYTES = 16;

const prefixOf = (collection: string) => `${bundleKeys.collectionsPrefix}${collection}/embeddings/`;

/** The key of a text: the same text always gets the same key (and vector, for one model). */
const keyOf = (text: string) => createHash("sha256").update(text).digest().subarray(0, KEY_BYTES);

export class EmbeddingCheckpoint {
  readonly #found = new Map<string, Float32Array>();
  #pendingKeys: Buffer[] = [];
  #pendingVectors: Float32Array[] = [];
  #lastFlush = Date.now();
  #taken = 0;

  private constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    private readonly embedder: Embedder,
    /** Flush at most this often while embedding (ms); always at the end. */
    private readonly flushEveryMs: number,
  ) {}

  /** The checkpoint of `collection` for this embedder, with what earlier runs left (unreadable segments skipped). */
  static async open(
    store: ObjectStore,
    collection: string,
    embedder: Embedder,
    flushEveryMs = 10_000,
  ): Promise<EmbeddingCheckpoint> {
    const model = createHash("sha256").update(`${embedder.modelId}\n${embedder.dimensions}`).digest("hex");
    const checkpoint = new EmbeddingCheckpoint(
      store,
      `${prefixOf(collection)}${model.slice(0, 16)}/`,
      embedder,
      flushEveryMs,
    );
    for (const key of await store.list(checkpoint.prefix)) {
      const bytes = await store.get(key);
      if (bytes) checkpoint.#read(bytes);
    }
    return checkpoint;
  }

  /** Vectors earlier runs left (before this run added any). */
  get available(): number {
    return this.#found.size;
  }

  /** How many vectors this run took from the checkpoint instead of embedding. */
  get taken(): number {
    return this.#taken;
  }

  /** The vector an earlier run embedded for exactly this text, if any. */
  take(text: string): Float32Array | undefined {
    const vector = this.#found.get(keyOf(text).toString("hex"));
    if (vector) this.#taken++;
    return vector;
  }

  /** Records a vector this run embedded; written at the next flush. */
  add(text: string, vector: Float32Array): void {
    this.#pendingKeys.push(keyOf(text));
    this.#pendingVectors.push(vector);
  }

  /** Writes what was added if the last write is older than the flush interval (or `force`). */
  async flush(force = false): Promise<void> {
    if (!this.#pendingKeys.length || (!force && Date.now() - this.#lastFlush < this.flushEveryMs)) return;
    const keys = this.#pendingKeys;
    const vectors = this.#pendingVectors;
    this.#pendingKeys = [];
    this.#pendingVectors = [];
    const segment = `${Date.now().toString().padStart(15, "0")}-${randomBytes(4).toString("hex")}.bin`;
    await this.store.put(`${this.prefix}${segment}`, this.#encode(keys, vectors), {
      contentType: "application/octet-stream",
    });
    this.#lastFlush = Date.now();
  }

  /** Deletes every checkpoint of the collection (all models): the run's work is in a published version now. */
  static async clear(store: ObjectStore, collection: string): Promise<void> {
    await store.delete(await store.list(prefixOf(collection)));
  }

  #encode(keys: Buffer[], vectors: Float32Array[]): Uint8Array {
    const { dimensions } = this.embedder;
    const header = Buffer.from(
      JSON.stringify({ model: this.embedder.modelId, dimensions, count: keys.length }),
      "utf8",
    );
    const start = MAGIC.length + 4 + header.length;
    const vectorsAt = start + keys.length * KEY_BYTES;
    const out = Buffer.alloc(vectorsAt + keys.length * dimensions * 4);
    out.write(MAGIC, 0, "latin1");
    out.writeUInt32LE(header.length, MAGIC.length);
    header.copy(out, MAGIC.length + 4);
    keys.forEach((k, i) => k.copy(out, start + i * KEY_BYTES));
    vectors.forEach((v, i) => {
      for (let d = 0; d < dimensions; d++) out.writeFloatLE(v[d]!, vectorsAt + (i * dimensions + d) * 4);
    });
    return out;
  }

  /** Adds a segment's vectors; a segment that is not one, or is for another model, is ignored. */
  #read(bytes: Uint8Array): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length < MAGIC.length + 4 || buf.toString("latin1", 0, MAGIC.length) !== MAGIC) return;
    const headerLength = buf.readUInt32LE(MAGIC.length);
    let header: { model?: unknown; dimensions?: unknown; count?: unknown };
    try {
      header = JSON.parse(buf.toString("utf8", MAGIC.length + 4, MAGIC.length + 4 + headerLength));
    } catch {
      return;
    }
    const { dimensions } = this.embedder;
    const count = Number(header.count);
    if (
      header.model !== this.embedder.modelId ||
      header.dimensions !== dimensions ||
      !Number.isInteger(count)
    )
      return;
    const start = MAGIC.length + 4 + headerLength;
    const vectorsAt = start + count * KEY_BYTES;
    if (buf.length !== vectorsAt + count * dimensions * 4) return;
    for (let i = 0; i < count; i++) {
      const key = buf.toString("hex", start + i * KEY_BYTES, start + (i + 1) * KEY_BYTES);
      const vector = new Float32Array(dimensions);
      for (let d = 0; d < dimensions; d++) vector[d] = buf.readFloatLE(vectorsAt + (i * dimensions + d) * 4);
      this.#found.set(key, vector);
    }
  }
}
