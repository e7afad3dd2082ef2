import { cp, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { requireArtifacts } from "../../../infra/artifacts.js";
import { FAKE_DIST_TAGS, fakeDist } from "../../helpers/fake-dist.js";
import { REPO_ROOT, tempDir } from "../../helpers/folders.js";

const TAGS = FAKE_DIST_TAGS;

describe("artifacts", () => {
  it("asks for npm run package when the artifacts are missing", () => {
    expect(() => requireArtifacts("/nonexistent/dist")).toThrow(/run `npm run package` before `pulumi up`/);
  });

  it("refuses image tags that are missing or not content hashes", async () => {
    const root = await fakeDist(REPO_ROOT, { mcp: "latest" });
    expect(() => requireArtifacts(root)).toThrow(/no content tag for "mcp": run `npm run package` again/);
  });

  it("gives each image's context relative to where pulumi up runs, the same on any machine", async () => {
    const root = await fakeDist();
    const found = requireArtifacts(root);
    expect(found).toEqual({
      imageContexts: {
        mcp: relative(process.cwd(), join(root, "image", "mcp")),
        refresh: relative(process.cwd(), join(root, "image", "refresh")),
      },
      imageTags: TAGS,
      models: [],
    });
    expect(found.imageContexts.mcp.startsWith("/")).toBe(false);
  });

  it("refuses a package made from other sources than the working tree's: it would deploy old code", async () => {
    // A copy of the sources the package was made from, then a change to one handler.
    const repo = await tempDir("thoth-repo-");
    for (const part of ["functions", "shared", "package.json", "package-lock.json"])
      await cp(join(REPO_ROOT, part), join(repo, part), { recursive: true });
    const root = await fakeDist(repo);
    expect(() => requireArtifacts(root, repo)).not.toThrow();
    await writeFile(join(repo, "functions", "mcp-server", "handler.ts"), "export const handler = 1;\n");
    expect(() => requireArtifacts(root, repo)).toThrow(
      /was packaged from other sources than these .* run `npm run package` again before `pulumi up`/,
    );
    const unfingerprinted = await fakeDist(repo);
    await writeFile(join(unfingerprinted, "image", "sources.json"), "{}");
    expect(() => requireArtifacts(unfingerprinted, repo)).toThrow(/packaged from other sources/);
  });
});
