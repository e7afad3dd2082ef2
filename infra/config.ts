import * as pulumi from "@pulumi/pulumi";
import { StackConfigSchema, describeIssues, type StackConfig } from "../shared/config.js";
import { PROJECT } from "../shared/names.js";

export class StackConfigError extends Error {
  override name = "StackConfigError";
}

/**
 * Validates a stack's `thoth:` configuration (keys without the namespace) and fills defaults. Errors name
 * every offending key, e.g. `thoth:collections[0].name: …`.
 */
export function parseStackConfig(stack: string, values: Record<string, unknown>): StackConfig {
  const result = StackConfigSchema.safeParse(values);
  if (!result.success) {
    throw new StackConfigError(
      `invalid configuration for stack "${stack}":\n${describeIssues(result.error, `${PROJECT}:`)}`,
    );
  }
  return result.data;
}

/** Secret stack settings, set with `pulumi config set --secret thoth:<key> …`. */
export interface StackSecrets {
  /** API keys, comma-separated or a JSON list. Generated when unset. */
  apiKeys?: pulumi.Output<string>;
  gitlabToken?: pulumi.Output<string>;
  /** `{"clientId": "…", "clientSecret": "…"}` */
  sigmaCredentials?: pulumi.Output<string>;
}

export const SECRET_CONFIG_KEYS = ["apiKeys", "gitlabToken", "sigmaCredentials"] as const;

/** Reads the stack's `thoth:` configuration once, validates it, and separates the secrets. */
export function readStackConfig(): {
  stack: string;
  region: string;
  config: StackConfig;
  secrets: StackSecrets;
} {
  const stack = pulumi.getStack();
  const cfg = new pulumi.Config(PROJECT);
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(StackConfigSchema.shape)) {
    const raw = cfg.get(key);
    if (raw === undefined) continue;
    try {
      values[key] = JSON.parse(raw);
    } catch {
      values[key] = raw;
    }
  }
  const config = parseStackConfig(stack, values);
  const secrets: StackSecrets = {};
  for (const key of SECRET_CONFIG_KEYS) {
    const value = cfg.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  const region = new pulumi.Config("aws").require("region");
  return { stack, region, config, secrets };
}
