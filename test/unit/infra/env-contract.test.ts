import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENV, RuntimeEnvSchema, SECRET_VARIABLES } from "../../../shared/config.js";
import { SECRET_NAMES } from "../../../shared/names.js";
import { REPO_ROOT } from "../../helpers/folders.js";

/** Read at build time by infra and packaging (where the packaged artifacts are), never by the functions. */
const BUILD_TIME = new Set(["THOTH_ARTIFACTS_DIR"]);

describe("the environment contract", () => {
  it("is one list: every THOTH_ name the code or the README mentions is a key of RuntimeEnvSchema", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "functions/*.ts", "cli/*.ts", "infra/*.ts", "shared/*.ts", "scripts/*.ts", "README.md"],
      { cwd: REPO_ROOT },
    )
      .toString()
      .split("\n")
      .filter(Boolean);
    const mentioned = new Set<string>();
    for (const file of files)
      for (const m of readFileSync(join(REPO_ROOT, file), "utf8").matchAll(/\bTHOTH_[A-Z0-9_]+\b/g))
        mentioned.add(m[0]);
    const known = new Set(Object.keys(RuntimeEnvSchema.shape));
    expect([...mentioned].filter((name) => !known.has(name) && !BUILD_TIME.has(name))).toEqual([]);
    // ENV is derived from the schema, name for name.
    expect(Object.entries(ENV).every(([k, v]) => k === v && known.has(k))).toBe(true);
    expect(Object.keys(ENV).sort()).toEqual([...known].sort());
  });

  it("names each secret's ARN and local variable once, for every secret", () => {
    expect(Object.keys(SECRET_VARIABLES).sort()).toEqual([...SECRET_NAMES].sort());
    for (const { arn, local } of Object.values(SECRET_VARIABLES)) {
      expect(arn).toMatch(/^THOTH_\w+_SECRET_ARN$/);
      expect(Object.keys(RuntimeEnvSchema.shape)).toContain(local);
    }
  });
});
