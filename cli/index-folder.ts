import { stat } from "node:fs/promises";
import type { RuntimeEnv } from "../shared/config.js";
import { CollectionNameSchema, UrlTemplateSchema } from "../shared/config.js";
import { createModelRuntime } from "../functions/composition.js";
import { refreshCollection } from "../functions/refresh/pipeline.js";
import { type RefreshSummary } from "../functions/refresh/refresh-types.js";
import { LocalFolderSource } from "../functions/refresh/sources/local.js";
import { withUrlTemplate } from "../functions/refresh/sources/url-template.js";
import { interruptible } from "./interrupt.js";
import type { ProgressReporter } from "./progress.js";

/**
 * Indexes a local folder into the data dir's object store, showing progress (`progressFor`) and stopping
 * cleanly on Ctrl-C (the embeddings finished so far are kept for the next run).
 */
export async function indexFolder(options: {
  folder: string;
  collection: string;
  env: RuntimeEnv;
  progress: ProgressReporter;
  /** Each document's URL, e.g. `https://handbook.example.com/{path}` (shared/config.ts UrlTemplateSchema). */
  urlTemplate?: string | undefined;
}): Promise<RefreshSummary> {
  const name = CollectionNameSchema.safeParse(options.collection);
  if (!name.success)
    throw new Error(`invalid collection name "${options.collection}": ${name.error.issues[0]?.message}`);
  const template = options.urlTemplate && UrlTemplateSchema.safeParse(options.urlTemplate);
  if (template && !template.success)
    throw new Error(`invalid --url-template "${options.urlTemplate}": ${template.error.issues[0]?.message}`);
  // Arguments before the model: a wrong folder should not wait for (or warn about) a model load.
  const folder = await stat(options.folder).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new Error(`cannot read folder ${options.folder}: it does not exist or is not a folder`);
  const { progress } = options;
  if (options.env.THOTH_MODEL_DIR)
    progress.note(`loading the embedding model ${options.env.THOTH_EMBEDDING_MODEL}…`);
  const kit = await createModelRuntime(options.env);
  let stop: AbortSignal | undefined;
  try {
    const summary = await interruptible((signal) => {
      stop = signal;
      return refreshCollection(kit, {
        collection: options.collection,
        source: options.urlTemplate
          ? withUrlTemplate(new LocalFolderSource(options.folder), options.urlTemplate)
          : new LocalFolderSource(options.folder),
        onProgress: (p) => progress.update(options.collection, p),
        signal,
      });
    });
    if (stop?.aborted && summary.published)
      progress.note(`Ctrl-C came after ${summary.collection}@${summary.version} went live: it is published`);
    return summary;
  } finally {
    progress.stop();
  }
}

/**
 * The summary of a run: what was indexed, then skipped files counted by reason; the files themselves only with
 * `verbose` (a folder with 100 images would otherwise bury the summary under 100 lines on every run).
 */
export function describeSummary(s: RefreshSummary, verbose = false): string {
  const what = s.published
    ? `Indexed ${s.documentsIndexed} of ${s.documentsSeen} documents into ${s.collection}@${s.version}`
    : `No change in ${s.collection}: ${s.documentsIndexed} documents, still ${s.version}`;
  const lines = [
    `${what}: ${s.chunks} chunks, ${s.chunksEmbedded} embedded` +
      (s.chunksResumed ? ` (${s.chunksResumed} more taken from the interrupted run before)` : "") +
      `, ${s.documentsReused} documents reused, ` +
      `${s.documentsRemoved} removed (${s.model ?? "no model: keyword search only"}), ${s.durationMs} ms`,
  ];
  if (s.skipped.length) {
    const byReason = new Map<string, number>();
    // Details in parentheses (sizes, depths, times) vary per file: count by the reason itself.
    for (const { reason } of s.skipped) {
      const key = reason.replace(/\s*\(.*$/, "");
      byReason.set(key, (byReason.get(key) ?? 0) + 1);
    }
    const counts = [...byReason]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([reason, n]) => `${n} ${reason}`);
    lines.push(
      `Skipped ${s.skipped.length} file(s): ${counts.join(", ")}${verbose ? ":" : " (--verbose lists them)"}`,
    );
    if (verbose) for (const skip of s.skipped) lines.push(`  ${skip.path}: ${skip.reason}`);
  }
  return lines.join("\n");
}
