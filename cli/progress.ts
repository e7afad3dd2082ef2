import cliProgress from "cli-progress";
import type { RefreshProgress } from "../functions/refresh/refresh-types.js";

export interface ProgressReporter {
  /** A phase's progress for one collection (`label`). */
  update(label: string, p: RefreshProgress): void;
  /** A one-off line (e.g. "loading the embedding model"). */
  note(message: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** A terminal: live bars. Otherwise one line now and then (CI logs, a pipe to a file). */
  tty: boolean;
  /** Where lines go (default stderr: stdout is the command's output). */
  write?: (text: string) => void;
  /** Clock (tests). */
  now?: () => number;
  /** Without a terminal: at most one line per phase this often (ms), besides each phase's first. */
  everyMs?: number;
}

/**
 * Progress of a refresh on stderr. On a terminal: the documents read so far, then a bar of chunks embedded with
 * its rate and time left. Elsewhere: the same as plain lines, at each phase's start and every `everyMs`.
 */
export function progressReporter(options: ProgressOptions): ProgressReporter {
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const now = options.now ?? (() => Date.now());
  const rate = rateMeter(now);
  return options.tty
    ? terminalReporter(write, rate)
    : lineReporter(write, now, rate, options.everyMs ?? 10_000);
}

/** A reporter that shows nothing (`--json` on a terminal, where a bar would mix with the output). */
export const noProgress: ProgressReporter = { update: () => {}, note: () => {}, stop: () => {} };

/** Chunks per second over the current embedding phase, and the time left at that rate. */
function rateMeter(now: () => number) {
  let started = 0;
  let key = "";
  return {
    /** Starts timing when a new phase (label) begins. */
    track(label: string, done: number) {
      if (key !== label || done === 0) {
        key = label;
        started = now();
      }
    },
    perSecond(done: number): number {
      const seconds = (now() - started) / 1000;
      return seconds > 0 ? done / seconds : 0;
    },
    /** "4m 05s" or "12s" left, or "" while there is no rate yet. */
    left(done: number, total: number): string {
      const perSecond = this.perSecond(done);
      return perSecond > 0 && done > 0 ? duration((total - done) / perSecond) : "";
    },
  };
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Live bars on stderr (a terminal only: cli-progress redraws in place). */
function terminalReporter(
  write: (text: string) => void,
  rate: ReturnType<typeof rateMeter>,
): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let shown = "";
  const start = (key: string, format: string, total: number, payload: Record<string, unknown>) => {
    if (shown === key) return;
    bar?.stop();
    bar = new cliProgress.SingleBar(
      { stream: process.stderr, format, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, payload);
    shown = key;
  };
  return {
    update(label, p) {
      if (p.phase === "read") {
        start(`${label}:read`, " {label}: reading documents… {value} so far", 0, { label });
        bar!.update(p.documents, { label });
      } else if (p.phase === "embed") {
        rate.track(`${label}:embed`, p.done);
        start(
          `${label}:embed`,
          " {label} [{bar}] {value}/{total} chunks embedded · {rate}/s · {left} left",
          p.total,
          { label, rate: "…", left: "…" },
        );
        bar!.setTotal(p.total);
        bar!.update(p.done, {
          label,
          rate: rate.perSecond(p.done).toFixed(1),
          left: rate.left(p.done, p.total) || "…",
        });
      } else {
        bar?.stop();
        bar = undefined;
        shown = "";
      }
    },
    note(message) {
      write(`${message}\n`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
      shown = "";
    },
  };
}

function lineReporter(
  write: (text: string) => void,
  now: () => number,
  rate: ReturnType<typeof rateMeter>,
  everyMs: number,
): ProgressReporter {
  let phase = "";
  let last = 0;
  /** The phase's first line at once, then at most one per `everyMs`; `final` lines always. */
  const line = (key: string, text: string, final = false) => {
    const t = now();
    if (key !== phase || final || t - last >= everyMs) {
      phase = key;
      last = t;
      write(`${text}\n`);
    }
  };
  return {
    update(label, p) {
      if (p.phase === "read") {
        line(`${label}:read`, `${label}: reading documents… ${p.documents} so far`);
      } else if (p.phase === "embed") {
        const key = `${label}:embed`;
        rate.track(key, p.done);
        const percent = p.total ? Math.floor((100 * p.done) / p.total) : 100;
        const left = rate.left(p.done, p.total);
        line(
          key,
          `${label}: embedded ${p.done}/${p.total} chunks (${percent}%)` +
            (p.done ? `, ${rate.perSecond(p.done).toFixed(1)} chunks/s` : "") +
            (left && p.done < p.total ? `, about ${left} left` : ""),
          p.done === p.total,
        );
      } else {
        line(`${label}:publish`, `${label}: building and publishing the bundle`);
      }
    },
    note(message) {
      write(`${message}\n`);
    },
    stop() {},
  };
}

/** This process's progress: bars when stderr is a terminal, periodic lines when it is not. */
export const stderrProgress = (): ProgressReporter => progressReporter({ tty: !!process.stderr.isTTY });
