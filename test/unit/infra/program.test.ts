import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, onTestFinished } from "vitest";
import { fakeDist } from "../../helpers/fake-dist.js";
import { installMocks, resolve, settle, stackFileValues } from "../../helpers/pulumi-mocks.js";

/** Pulumi config as the CLI would pass it: `thoth:`-namespaced keys with JSON-encoded object values. */
function pulumiConfig(stack: string): Record<string, string> {
  const values = stackFileValues(stack);
  return {
    "aws:region": "eu-west-1",
    ...Object.fromEntries(
      Object.entries(values).map(([k, v]) => [`thoth:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
    "thoth:apiKeys": "program-test-key",
  };
}

describe("infra/index.ts, the program pulumi up runs", () => {
  it("reads the prod stack config, builds the platform and exports every output", async () => {
    process.env.THOTH_ARTIFACTS_DIR = await fakeDist();
    onTestFinished(() => {
      delete process.env.THOTH_ARTIFACTS_DIR;
    });
    const recorded = installMocks("prod", pulumiConfig("prod"), ["thoth:apiKeys"]);
    const program = await import("../../../infra/index.js");
    await settle(recorded);
    expect(await resolve(program.mcpUrl)).toMatch(/^https:\/\/.+\/mcp$/);
    expect(await resolve(program.mcpFunctionName)).toBe("thoth-prod-mcp");
    expect(await resolve(program.refreshFunctionName)).toBe("thoth-prod-refresh");
    expect(await resolve(program.cacheTableName)).toBe("thoth-prod-cache");
    expect(await resolve(program.indexBucketName)).toBeTruthy();
    expect(await resolve(program.apiKeysSecretName)).toBe("thoth/prod/api-keys");
    expect(await resolve(program.region)).toBe("eu-west-1");
    expect(await resolve(program.imageRepositoryUrl)).toMatch(
      /dkr\.ecr\.eu-west-1\.amazonaws\.com\/thoth-prod-functions$/,
    );
    // The committed stack reads only the sample handbook: no source secret exists until a source needs one.
    expect(await resolve(program.gitlabTokenSecretName)).toBeUndefined();
    expect(await resolve(program.sigmaCredentialsSecretName)).toBeUndefined();
    expect(await resolve(program.mcpApiKey)).toBe("program-test-key");
    expect(pulumi.isSecret(program.mcpApiKey)).toBeTruthy();
    const clientConfig = JSON.parse((await resolve(program.mcpClientConfig))!);
    expect(clientConfig.cursor).toContain("Bearer program-test-key");
  });
});
