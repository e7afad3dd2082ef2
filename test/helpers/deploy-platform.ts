/** One stack's whole program under Pulumi's mocks: its committed config with `extra` on top, every resource recorded. */
import type * as pulumi from "@pulumi/pulumi";
import type { ArtifactPaths } from "../../infra/artifacts.js";
import type { StackSecrets } from "../../infra/config.js";
import { parseStackConfig } from "../../infra/config.js";
import { createPlatform } from "../../infra/platform.js";
import { SAMPLE_HANDBOOK } from "./folders.js";
import { installMocks, resolve, settle, stackFileValues, type RecordedResource } from "./pulumi-mocks.js";

export const TEST_ARTIFACTS: ArtifactPaths = {
  imageContexts: { mcp: "dist/image/mcp", refresh: "dist/image/refresh" },
  imageTags: { mcp: "mcp-0123456789abcdef", refresh: "refresh-0123456789abcdef" },
  models: ["Xenova/all-MiniLM-L6-v2"],
};

export interface Deployed {
  recorded: RecordedResource[];
  outputs: ReturnType<typeof createPlatform>;
}

/** `extra` keys replace the stack file's (`oauth: undefined` removes one). */
export async function deployPlatform(
  stack: "dev" | "prod",
  extra: Record<string, unknown> = {},
  options: { secrets?: StackSecrets; artifacts?: ArtifactPaths } = {},
): Promise<Deployed> {
  const recorded = installMocks(stack);
  const config = parseStackConfig(stack, { ...stackFileValues(stack), ...extra });
  const outputs = createPlatform({
    stack,
    region: "eu-west-1",
    config,
    secrets: options.secrets ?? {},
    artifacts: options.artifacts ?? TEST_ARTIFACTS,
    sampleFolder: SAMPLE_HANDBOOK,
  });
  await resolve(outputs.mcpClientConfig as pulumi.Output<string>);
  await resolve(outputs.mcpOAuthConfig);
  await settle(recorded);
  return { recorded, outputs };
}
