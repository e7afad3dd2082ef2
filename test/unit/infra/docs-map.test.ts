import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/folders.js";

const tracked = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" })
  .split("\n")
  .filter(Boolean);
const firstBlock = (file: string, after: string) => {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  return text.slice(text.indexOf(after)).split("```")[1]!;
};

describe("the maps of the tree", () => {
  it("docs/development.md names every source file, and no file that is gone", () => {
    const map = firstBlock("docs/development.md", "## Where things live");
    const named = new Set(map.match(/[\w.-]+\.(?:ts|mjs|json|md|yml|yaml)\b/g));
    const sources = tracked.filter((f) => /^(cli|functions|infra|shared|scripts)\/.*\.ts$/.test(f));
    expect(
      sources.filter((f) => !named.has(basename(f))),
      "files the map does not name",
    ).toEqual([]);
    const basenames = new Set(tracked.map((f) => basename(f)));
    expect(
      [...named].filter((n) => !basenames.has(n)),
      "names of files that do not exist",
    ).toEqual([]);
  });

  it("the README's short map names every top-level folder, and only folders that exist", () => {
    const map = firstBlock("README.md", "## Where things live");
    const folders = new Set(
      tracked.filter((f) => f.includes("/") && !f.startsWith(".")).map((f) => f.split("/")[0]!),
    );
    const named = new Set([...map.matchAll(/^([\w.-]+)\/\s/gm)].map((m) => m[1]!));
    expect(
      [...folders].filter((f) => !named.has(f)),
      "folders the map leaves out",
    ).toEqual([]);
    expect(
      [...named].filter((f) => !folders.has(f)),
      "folders that do not exist",
    ).toEqual([]);
  });
});
