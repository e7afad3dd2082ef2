/**
 * The materials beside the repository (`../shared`: the Sourcegraph handbook, SciFact's train split). CI has
 * them; a user's clone does not. A test that needs them calls `needsShared` first: without them it is skipped
 * with a note, and the run's last line says which tests did not run and why (summary-reporter.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "vitest";
import { REPO_ROOT } from "./folders.js";

export const SHARED_MATERIALS = join(REPO_ROOT, "../shared");

/** The note of every test skipped for want of `../shared` (the reporter groups by it). */
export const NO_SHARED_NOTE =
  "needs ../shared (the corpora beside the repository), which this clone does not have";

/** A path inside `../shared`. */
export function sharedPath(relative: string): string {
  return join(SHARED_MATERIALS, relative);
}

/** Skips the running test, with NO_SHARED_NOTE, unless every path (inside `../shared`) exists. */
export function needsShared(context: TestContext, ...relatives: string[]): void {
  if (!relatives.every((r) => existsSync(sharedPath(r)))) context.skip(NO_SHARED_NOTE);
}
