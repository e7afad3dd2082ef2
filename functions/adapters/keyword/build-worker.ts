/** The keyword index's build thread (threaded-builder.ts): takes chunks in batches, answers with the file. */
import { parentPort, workerData } from "node:worker_threads";
import { Bm25Builder, type IndexedChunk } from "./bm25-builder.js";
import type { Bm25Params } from "./params.js";

const builder = new Bm25Builder((workerData as { params: Bm25Params }).params);

parentPort?.on("message", (message: { chunks?: IndexedChunk[]; finish?: true }) => {
  try {
    for (const chunk of message.chunks ?? []) builder.add(chunk);
    if (message.finish) {
      const bytes = builder.finish().serialize();
      parentPort!.postMessage({ bytes }, [bytes.buffer as ArrayBuffer]);
    }
  } catch (error) {
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
