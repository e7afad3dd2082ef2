import { describe, expect, it } from "vitest";
import { duration, progressReporter } from "../../../cli/progress.js";

describe("progress without a terminal", () => {
  it("prints each phase's first line at once, then at most one line per interval, with rate and time left", () => {
    const lines: string[] = [];
    let now = 0;
    const progress = progressReporter({
      tty: false,
      write: (t) => lines.push(t),
      now: () => now,
      everyMs: 10_000,
    });
    progress.note("loading the embedding model thoth/tiny…");
    progress.update("docs", { phase: "read", documents: 1 });
    now = 4_000;
    progress.update("docs", { phase: "read", documents: 300 });
    now = 12_000;
    progress.update("docs", { phase: "read", documents: 800 });
    progress.update("docs", { phase: "embed", done: 0, total: 1000 });
    now = 17_000;
    progress.update("docs", { phase: "embed", done: 250, total: 1000 });
    now = 22_000;
    progress.update("docs", { phase: "embed", done: 500, total: 1000 });
    now = 32_000;
    progress.update("docs", { phase: "embed", done: 1000, total: 1000 });
    progress.update("docs", { phase: "publish" });
    expect(lines.join("")).toBe(
      [
        "loading the embedding model thoth/tiny…",
        "docs: reading documents… 1 so far",
        "docs: reading documents… 800 so far",
        "docs: embedded 0/1000 chunks (0%)",
        // 500 chunks in 10 s: 50/s, 500 left: about 10 s.
        "docs: embedded 500/1000 chunks (50%), 50.0 chunks/s, about 10s left",
        "docs: embedded 1000/1000 chunks (100%), 50.0 chunks/s",
        "docs: building and publishing the bundle",
        "",
      ].join("\n"),
    );
  });

  it("writes durations people read", () => {
    expect([duration(0.4), duration(59), duration(61), duration(3725)]).toEqual([
      "0s",
      "59s",
      "1m 01s",
      "1h 02m",
    ]);
  });
});
