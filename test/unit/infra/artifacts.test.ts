import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireArtifacts } from "../../../infra/artifacts.js";
import { tempDir } from "../../helpers/folders.js";

describe("artifacts", () => {
  it("asks for npm run package when the artifacts are missing", () => {
    expect(() => requireArtifacts("/nonexistent/dist")).toThrow(/run `npm run package` before `pulumi up`/);
  });

  it("refuses a context whose image tags are missing or not content hashes", async () => {
    const root = await tempDir();
    await mkdir(join(root, "image"));
    await writeFile(join(root, "image", "Dockerfile"), "FROM scratch\n");
    await writeFile(join(root, "image", "image-tags.json"), JSON.stringify({ mcp: "latest" }));
    expect(() => requireArtifacts(root)).toThrow(/no content tag for "mcp": run `npm run package` again/);
    const tags = { mcp: "mcp-0123456789abcdef", refresh: "refresh-fedcba9876543210" };
    await writeFile(join(root, "image", "image-tags.json"), JSON.stringify(tags));
    expect(requireArtifacts(root)).toEqual({
      imageContext: join(root, "image"),
      imageTags: tags,
      models: [],
    });
  });
});
