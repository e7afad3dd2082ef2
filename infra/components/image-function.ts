/**
 * What the two functions of a stack share, as a free function under their components (as awsx keeps helpers):
 * a container-image Lambda, its log group, and a role that may write there and do what its links allow. Each
 * component adds only its own settings and variables.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { ENV, type LambdaArchitecture } from "../../shared/config.js";
import { functionRole } from "../link.js";
import type { PolicyStatement } from "../policies.js";

export interface ImageFunctionArgs {
  stack: string;
  functionName: string;
  imageUri: pulumi.Input<string>;
  embeddingModel: string;
  /** The CPU the image was built for. */
  architecture: LambdaArchitecture;
  /** Where the image holds that model; unset for keyword-only images. */
  modelDir?: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Ephemeral storage (/tmp), MB. */
  tmpMb: number;
  logRetentionDays: number;
  /** What the role may do besides writing its logs. */
  statements: pulumi.Output<PolicyStatement[]>;
  /** The function's own variables, beside THOTH_STACK, THOTH_EMBEDDING_MODEL and THOTH_MODEL_DIR. */
  env: Record<string, pulumi.Input<string>>;
  /** Other function settings (publish, reserved concurrency). */
  settings?: Partial<aws.lambda.FunctionArgs>;
  tags?: Record<string, string>;
}

/** `${name}-logs`, `${name}-role` (+ policy) and `${name}-function`, children of `parent`. */
export function imageFunction(
  name: string,
  parent: pulumi.Resource,
  args: ImageFunctionArgs,
): {
  logGroup: aws.cloudwatch.LogGroup;
  role: aws.iam.Role;
  policy: aws.iam.RolePolicy;
  function: aws.lambda.Function;
} {
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
    { parent },
  );
  const { role, policy } = functionRole(name, parent, {
    namePrefix: `${args.functionName}-`,
    logGroupArn: logGroup.arn,
    statements: args.statements,
    ...(args.tags ? { tags: args.tags } : {}),
  });
  const fn = new aws.lambda.Function(
    `${name}-function`,
    {
      name: args.functionName,
      packageType: "Image",
      imageUri: args.imageUri,
      architectures: [args.architecture],
      role: role.arn,
      memorySize: args.memoryMb,
      timeout: args.timeoutSeconds,
      ephemeralStorage: { size: args.tmpMb },
      ...args.settings,
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      environment: {
        variables: {
          [ENV.THOTH_STACK]: args.stack,
          [ENV.THOTH_EMBEDDING_MODEL]: args.embeddingModel,
          ...(args.modelDir ? { [ENV.THOTH_MODEL_DIR]: args.modelDir } : {}),
          ...args.env,
        },
      },
      tags: args.tags,
    },
    // The policy before the function: its first run may already write logs and read what its links allow.
    { parent, dependsOn: [logGroup, policy] },
  );
  return { logGroup, role, policy, function: fn };
}
