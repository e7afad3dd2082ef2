import * as pulumi from "@pulumi/pulumi";
import type { PolicyStatement } from "./policies.js";

/**
 * What a producer hands a consumer (SST's "link"): the environment entries and the IAM statements the
 * consumer needs, so nobody writes an ARN or an env var name twice.
 */
export interface Link {
  env: Record<string, pulumi.Input<string>>;
  statements: pulumi.Output<PolicyStatement[]>;
}

export function mergeLinks(links: Link[]): {
  env: Record<string, pulumi.Input<string>>;
  statements: pulumi.Output<PolicyStatement[]>;
} {
  return {
    env: Object.assign({}, ...links.map((l) => l.env)) as Record<string, pulumi.Input<string>>,
    statements: pulumi.all(links.map((l) => l.statements)).apply((lists) => lists.flat()),
  };
}
