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
