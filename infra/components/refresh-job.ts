import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { CollectionConfig } from "../../shared/config.js";
import { ENV, IMAGE_MODEL_DIR } from "../../shared/names.js";
import { functionRole, mergeLinks, type Link } from "../link.js";
import { sourceBucketReadStatements } from "../policies.js";

export interface RefreshJobArgs {
  stack: string;
  functionName: string;
  repositoryName: string;
  scheduleName: string;
  /** The Docker build context from `npm run package` (holds the Dockerfile). */
  context: string;
  collections: CollectionConfig[];
  embeddingModel: string;
  keepVersions: number;
  memoryMb: number;
  timeoutSeconds: number;
  /** An EventBridge schedule expression: `rate(…)` or `cron(…)`. */
  schedule: string;
  logRetentionDays: number;
  /** Prod keeps images when the stack is destroyed by mistake. */
  protect: boolean;
  links: Link[];
  tags?: Record<string, string>;
}

/**
 * The refresh job: an ECR repository, the image built from `functions/refresh/Dockerfile`, a container
 * Lambda, and the EventBridge schedule that runs it.
 */
export class RefreshJob extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly image: awsx.ecr.Image;
  readonly function: aws.lambda.Function;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly rule: aws.cloudwatch.EventRule;
  readonly role: aws.iam.Role;

  constructor(name: string, args: RefreshJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:RefreshJob", name, {}, opts);
    if (!/^(rate|cron)\(.+\)$/.test(args.schedule)) {
      throw new Error(
        `RefreshJob: schedule "${args.schedule}" is not an EventBridge rate() or cron() expression`,
      );
    }
    if (!args.collections.length)
      throw new Error("RefreshJob: collections must name at least one collection");
    const parent = { parent: this };

    this.repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: args.repositoryName,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: !args.protect,
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-repository-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: "keep the 10 newest images",
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
              action: { type: "expire" },
            },
          ],
        }),
      },
      parent,
    );
    this.image = new awsx.ecr.Image(
      `${name}-image`,
      {
        repositoryUrl: this.repository.repositoryUrl,
        context: args.context,
        dockerfile: `${args.context}/Dockerfile`,
        platform: "linux/amd64",
      },
      parent,
    );

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
      parent,
    );
    const linked = mergeLinks(args.links);
    const sourceStatements = args.collections.flatMap((c, i) =>
      c.source.type === "s3" ? sourceBucketReadStatements(i, c.source.bucket, c.source.prefix) : [],
    );
    this.role = functionRole(name, this, {
      logGroupArn: this.logGroup.arn,
      statements: linked.statements.apply((statements) => [...statements, ...sourceStatements]),
      tags: args.tags,
    });

    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: args.functionName,
        packageType: "Image",
        imageUri: this.image.imageUri,
        architectures: ["x86_64"],
        role: this.role.arn,
        memorySize: args.memoryMb,
        timeout: args.timeoutSeconds,
        ephemeralStorage: { size: 2048 },
        // One refresh at a time: runs of one collection never race each other here.
        reservedConcurrentExecutions: 1,
        loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
        environment: {
          variables: {
            [ENV.stack]: args.stack,
            [ENV.embeddingModel]: args.embeddingModel,
            [ENV.modelDir]: IMAGE_MODEL_DIR,
            [ENV.collections]: JSON.stringify(args.collections),
            [ENV.keepVersions]: String(args.keepVersions),
            ...linked.env,
          },
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: [this.logGroup] },
    );

    this.rule = new aws.cloudwatch.EventRule(
      `${name}-schedule`,
      {
        name: args.scheduleName,
        scheduleExpression: args.schedule,
        description: `Refresh Thoth ${args.stack} indexes`,
        tags: args.tags,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      { rule: this.rule.name, arn: this.function.arn, input: JSON.stringify({ source: "thoth.schedule" }) },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-schedule-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: this.function.name,
        principal: "events.amazonaws.com",
        sourceArn: this.rule.arn,
      },
      parent,
    );
    this.registerOutputs({ functionName: this.function.name, repositoryUrl: this.repository.repositoryUrl });
  }
}
