import cliProgress from "cli-progress";
import type { RuntimeEnv } from "../shared/config.js";
import { CollectionNameSchema } from "../shared/config.js";
import { createRuntime, loadEmbedder } from "../functions/lib/runtime.js";
import {
  refreshCollection,
  type RefreshProgress,
  type RefreshSummary,
} from "../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../functions/refresh/sources/local.js";

/** Indexes a local folder into the data dir's object store, with a progress bar on a terminal. */
export async function indexFolder(options: {
  folder: string;
  collection: string;
  env: RuntimeEnv;
  showProgress: boolean;
}): Promise<RefreshSummary> {
  const name = CollectionNameSchema.safeParse(options.collection);
  if (!name.success)
    throw new Error(`invalid collection name "${options.collection}": ${name.error.issues[0]?.message}`);
  const runtime = createRuntime(options.env);
  const { embedder } = await loadEmbedder(options.env);
  const bar = options.showProgress
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: " {phase} [{bar}] {value}/{total}",
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let phase = "";
  const onProgress = (p: RefreshProgress) => {
    if (!bar) return;
    if (p.phase === "embed") {
      if (phase !== "embed") bar.start(p.total, 0, { phase: "embedding" });
      bar.update(p.done, { phase: "embedding" });
    }
    phase = p.phase;
  };
  try {
    return await refreshCollection({
      collection: options.collection,
      source: new LocalFolderSource(options.folder),
      store: runtime.store,
      embedder,
      vectorCodec: runtime.vectorCodec,
      keywordCodec: runtime.keywordCodec,
      onProgress,
    });
  } finally {
    bar?.stop();
  }
}

export function describeSummary(s: RefreshSummary): string {
  const lines = [
    `Indexed ${s.documentsIndexed} of ${s.documentsSeen} documents into ${s.collection}@${s.version}: ` +
      `${s.chunks} chunks, ${s.chunksEmbedded} embedded (${s.model ?? "no model: keyword search only"}), ${s.durationMs} ms`,
  ];
  for (const skip of s.skipped) lines.push(`  skipped ${skip.path}: ${skip.reason}`);
  return lines.join("\n");
}
