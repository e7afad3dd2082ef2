import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  lambdaAssumeRolePolicy,
  logWriteStatements,
  mergeStatements,
  policyDocument,
  type PolicyStatement,
} from "./policies.js";

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

/**
 * A Lambda execution role whose one inline policy is the function's own log group plus the statements its
 * links (and any extra) grant. Child names: `<name>-role`, `<name>-policy`.
 */
export function functionRole(
  name: string,
  parent: pulumi.Resource,
  args: {
    /** The role's name is this plus a random suffix (`thoth-<stack>-<function>-…`): the deployer policy
     * (infra/deployer-policy.ts) may pass and change only roles named so. */
    namePrefix: string;
    logGroupArn: pulumi.Output<string>;
    statements: pulumi.Output<PolicyStatement[]>;
    tags?: Record<string, string>;
  },
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      namePrefix: args.namePrefix,
      assumeRolePolicy: JSON.stringify(lambdaAssumeRolePolicy()),
      tags: args.tags,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      policy: pulumi
        .all([args.statements, args.logGroupArn])
        .apply(([statements, logs]) =>
          JSON.stringify(policyDocument(mergeStatements([...logWriteStatements(logs), ...statements]))),
        ),
    },
    { parent },
  );
  return { role, policy };
}
