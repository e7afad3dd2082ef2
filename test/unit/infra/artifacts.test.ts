import { describe, expect, it } from "vitest";
import { artifactPaths, requireArtifacts } from "../../../infra/artifacts.js";

describe("artifacts", () => {
  it("asks for npm run package when the artifacts are missing", () => {
    expect(() => requireArtifacts(artifactPaths("/nonexistent/dist"))).toThrow(
      /run `npm run package` before `pulumi up`/,
    );
  });
});
