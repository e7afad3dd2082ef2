/**
 * Builds the keyword index on a second thread once a collection is large enough to be worth one: the refresh
 * feeds chunks as it collects them, and the index (tokenizing, counting, laying out postings: most of a
 * keyword-only refresh) is built beside the parsing and chunking instead of after it. Small collections, the
 * common case of tests and `thoth index` on a folder, build inline: a worker costs ~100 ms to start.
 */
import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../../lib/module-worker.js";
import { Bm25Builder, type IndexedChunk } from "./bm25-builder.js";
import type { Bm25Params } from "./params.js";

/** Chunks per message to the worker. */
const BATCH = 1024;

export class ThreadedBm25Builder {
  #inline?: Bm25Builder = undefined;
  #pending: IndexedChunk[] = [];
  #worker?: Worker;
  #failure?: Error;
  #result?: Promise<Uint8Array>;
  #count = 0;
  #lastDoc = -1;

  constructor(
    private readonly params: Bm25Params,
    /** From this many chunks on, the index is built in a worker (Infinity: never). */
    private readonly threshold: number,
  ) {
    if (threshold === Infinity) this.#inline = new Bm25Builder(params);
  }

  get size(): number {
    return this.#count;
  }

  add(chunk: IndexedChunk): void {
    this.#count++;
    if (this.#inline) return this.#inline.add(chunk);
    // The builder reads a title on its document's first chunk only: the others do not copy it to the worker.
    const first = chunk.doc !== this.#lastDoc;
    this.#lastDoc = chunk.doc;
    this.#pending.push(first ? chunk : { ...chunk, title: "" });
    if (!this.#worker && this.#pending.length >= this.threshold) this.#start();
    if (this.#worker && this.#pending.length >= BATCH) this.#send();
  }

  /** The index file. Inline when the worker never started (fewer chunks than the threshold). */
  async finish(): Promise<Uint8Array> {
    if (this.#inline) return this.#inline.finish().serialize();
    if (!this.#worker) {
      const builder = new Bm25Builder(this.params);
      for (const chunk of this.#pending) builder.add(chunk);
      this.#pending = [];
      return builder.finish().serialize();
    }
    this.#send();
    this.#worker.postMessage({ finish: true });
    try {
      return await this.#result!;
    } finally {
      void this.#worker.terminate();
    }
  }

  /** Stops the worker (an unchanged or failed run). */
  abort(): void {
    this.#pending = [];
    void this.#worker?.terminate();
  }

  #start(): void {
    const worker = startModuleWorker(import.meta.url, "build-worker", {
      workerData: { params: this.params },
    });
    this.#worker = worker;
    this.#result = new Promise<Uint8Array>((resolve, reject) => {
      worker.on("message", (m: { bytes?: Uint8Array; error?: string }) => {
        if (m.bytes) resolve(m.bytes);
        else if (m.error)
          reject((this.#failure = new Error(`building the keyword index failed: ${m.error}`)));
      });
      worker.once("error", (error) => reject((this.#failure = error)));
      worker.once("exit", (code) =>
        reject(this.#failure ?? new Error(`the keyword index worker exited (${code})`)),
      );
    });
    // A failure surfaces from finish(); until then nobody awaits the result.
    this.#result.catch(() => undefined);
  }

  #send(): void {
    if (!this.#pending.length) return;
    this.#worker!.postMessage({ chunks: this.#pending });
    this.#pending = [];
  }
}
