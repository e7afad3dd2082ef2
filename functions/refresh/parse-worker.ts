/** The worker thread of document-parser.ts: runs parse tasks one at a time and answers each. */
import { parentPort } from "node:worker_threads";
import { runParseTask, type ParseTask } from "./parse.js";

parentPort?.on("message", ({ id, task }: { id: number; task: ParseTask }) => {
  parentPort!.postMessage({ id, result: runParseTask(task) });
});
// Loaded: the parent starts a task's clock only now, so start-up time never counts against a document.
parentPort?.postMessage({ ready: true });
