import cliProgress from "cli-progress";
import type { RefreshProgress } from "../functions/refresh/pipeline.js";

/** A progress bar on stderr for the embedding phase (silent when stderr is not a terminal or in JSON mode). */
export function progressBar(enabled: boolean): {
  update: (label: string, p: RefreshProgress) => void;
  stop: () => void;
} {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: " {label} [{bar}] {value}/{total} chunks",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let active = "";
  return {
    update(label, p) {
      if (p.phase !== "embed") return;
      if (active !== label) {
        if (active) bar.stop();
        bar.start(p.total, 0, { label });
        active = label;
      }
      bar.update(p.done, { label });
    },
    stop: () => bar.stop(),
  };
}
