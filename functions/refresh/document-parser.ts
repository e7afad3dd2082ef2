import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../lib/module-worker.js";
import type { NormalizeResult } from "../core/normalize.js";
import type { SourceDocument } from "../core/ports.js";
import { runParseTask, type ParseResult, type ParseTask, type SectionsResult } from "./parse.js";

export interface DocumentParserOptions {
  /** How long one task (normalizing or sectioning one document) may take. Default 10 s. */
  budgetMs?: number;
  /** Inputs at most this large run in this thread: fast enough whatever their shape. Default 16 KiB. */
  inlineBytes?: number;
}

/** A task that ran out of its budget, or whose worker died; the document is skipped with this reason. */
export class ParseBudgetError extends Error {
  override name = "ParseBudgetError";
}

/** The parse worker (parse-worker.ts; parse-worker.mjs when packaged), with a heap of its own. */
function startWorker(): Worker {
  return startModuleWorker(import.meta.url, "parse-worker", {
    resourceLimits: { maxOldGenerationSizeMb: 1024 },
  });
}

/**
 * Runs the refresh's parsing under a time budget. Large inputs go to a worker thread, started on first need and
 * kept for the next document; a task that overruns its budget gets its worker terminated (a synchronous parser
 * cannot be interrupted any other way) and fails with ParseBudgetError, and the next task starts a new worker.
 * Small inputs run inline: at 16 KiB even the super-linear shapes measured cost well under a second.
 */
export class DocumentParser {
  readonly budgetMs: number;
  readonly inlineBytes: number;
  #worker?: Promise<Worker>;
  #nextId = 0;

  constructor(options: DocumentParserOptions = {}) {
    this.budgetMs = options.budgetMs ?? 10_000;
    this.inlineBytes = options.inlineBytes ?? 16 * 1024;
  }

  /** A source document as clean Markdown and a title, or why it cannot be (normalize.ts). */
  normalize(doc: SourceDocument, maxBytes: number): Promise<NormalizeResult> {
    return this.#run({ kind: "normalize", doc, maxBytes });
  }

  /** Markdown split at headings into sections (chunking.ts), or why it cannot be. */
  sections(markdown: string): Promise<SectionsResult> {
    return this.#run({ kind: "sections", markdown });
  }

  async #run<T extends ParseTask>(task: T): Promise<ParseResult<T>> {
    const size = task.kind === "normalize" ? task.doc.bytes.byteLength : task.markdown.length;
    if (size <= this.inlineBytes) return runParseTask(task);
    return this.#inWorker(task);
  }

  /** A new worker, once it has loaded its code (start-up is not charged to any document). */
  #start(): Promise<Worker> {
    const worker = startWorker();
    worker.unref();
    return new Promise<Worker>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error("the parse worker did not start within 60 s")), 60_000);
      const fail = (error: unknown) => {
        clearTimeout(timer);
        void worker.terminate();
        reject(
          new ParseBudgetError(
            `the parse worker failed to start (${error instanceof Error ? error.message : String(error)})`,
          ),
        );
      };
      worker.once("error", fail);
      worker.on("message", function ready(message: { ready?: boolean }) {
        if (!message.ready) return;
        clearTimeout(timer);
        worker.off("message", ready);
        worker.off("error", fail);
        resolve(worker);
      });
    });
  }

  async #inWorker<T extends ParseTask>(task: T): Promise<ParseResult<T>> {
    const starting = (this.#worker ??= this.#start());
    let worker: Worker;
    try {
      worker = await starting;
    } catch (error) {
      if (this.#worker === starting) this.#worker = undefined;
      throw error;
    }
    const id = this.#nextId++;
    return new Promise<ParseResult<T>>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onFailure);
        worker.off("exit", onFailure);
      };
      const discard = () => {
        if (this.#worker === starting) this.#worker = undefined;
        void worker.terminate();
      };
      const onMessage = (message: { id: number; result: ParseResult<T> }) => {
        if (message.id !== id) return;
        done();
        resolve(message.result);
      };
      const onFailure = (error: unknown) => {
        done();
        discard();
        reject(
          new ParseBudgetError(
            `the parser failed (${error instanceof Error ? error.message : `exit ${String(error)}`})`,
          ),
        );
      };
      const timer = setTimeout(() => {
        done();
        discard();
        reject(new ParseBudgetError(`took longer than ${this.budgetMs} ms to parse`));
      }, this.budgetMs);
      worker.on("message", onMessage);
      worker.once("error", onFailure);
      worker.once("exit", onFailure);
      worker.postMessage({ id, task });
    });
  }

  /** Stops the worker, if one runs. */
  async close(): Promise<void> {
    const starting = this.#worker;
    this.#worker = undefined;
    const worker = await starting?.catch(() => undefined);
    await worker?.terminate();
  }
}
