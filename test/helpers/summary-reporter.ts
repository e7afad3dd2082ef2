import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that CI systems can read, and, when
 * tests were skipped with a note (`ctx.skip(note)`: e.g. the corpora in ../shared are absent), one more line
 * saying which did not run and why.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    const notRun = new Map<string, string[]>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        counts[result.state]++;
        if (result.state === "skipped" && result.note)
          notRun.set(result.note, [...(notRun.get(result.note) ?? []), test.name]);
      }
    }
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
    if (notRun.size)
      process.stdout.write(
        `not run: ${[...notRun].map(([note, names]) => `${names.length} test(s) ${note} (${names.map((n) => `"${n}"`).join(", ")})`).join("; ")}\n`,
      );
  }
}
