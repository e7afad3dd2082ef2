import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, RefreshScheduleSchema, assertValid, type CollectionConfig } from "../../shared/config.js";
import { mergeLinks, type Link } from "../link.js";
import { imageFunction, type ImageFunctionArgs } from "./image-function.js";
import { queueSendStatements, sourceBucketReadStatements } from "../policies.js";

/** The function's settings (`imageUri`: the `refresh` image, from the Images component), and the job's. */
export interface RefreshJobArgs extends Omit<ImageFunctionArgs, "statements" | "env" | "settings" | "tmpMb"> {
  scheduleName: string;
  collections: CollectionConfig[];
  keepVersions: number;
  /** An EventBridge schedule expression: `rate(…)` or `cron(…)`. */
  schedule: string;
  /** Concurrency reserved for the refresh (off by default: new accounts have too little to reserve any, and
   * the pointer's compare-and-swap already keeps concurrent runs consistent). */
  reservedConcurrency?: number;
  /** Where failed scheduled runs are recorded (an SQS queue the alarms watch). */
  failureQueueName: string;
  links: Link[];
}

/**
 * The refresh job: a container Lambda (the `refresh` image of functions/Dockerfile) and the EventBridge
 * schedule that runs it.
 */
export class RefreshJob extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly rule: aws.cloudwatch.EventRule;
  readonly role: aws.iam.Role;
  readonly failureQueue: aws.sqs.Queue;

  constructor(name: string, args: RefreshJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:RefreshJob", name, {}, opts);
    assertValid(RefreshScheduleSchema, args.schedule, `RefreshJob: schedule "${args.schedule}"`);
    if (!args.collections.length)
      throw new Error("RefreshJob: collections must name at least one collection");
    const parent = { parent: this };

    // A failed asynchronous run (the schedule) is not retried: the next scheduled run is the retry, and Lambda's
    // default (two retries, events kept six hours) would re-run a 15-minute job for up to 45 minutes. The failed
    // event lands in this queue, which an alarm watches.
    this.failureQueue = new aws.sqs.Queue(
      `${name}-failures`,
      {
        name: args.failureQueueName,
        messageRetentionSeconds: 14 * 24 * 3600,
        sqsManagedSseEnabled: true,
        tags: args.tags,
      },
      parent,
    );
    const linked = mergeLinks(args.links);
    // S3 sources in other buckets; a source without a bucket reads the stack's own, granted by its link.
    const sourceStatements = args.collections.flatMap((c, i) =>
      c.source.type === "s3" && c.source.bucket
        ? sourceBucketReadStatements(i, c.source.bucket, c.source.prefix)
        : [],
    );
    let policy: aws.iam.RolePolicy;
    ({
      logGroup: this.logGroup,
      role: this.role,
      policy,
      function: this.function,
    } = imageFunction(name, this, {
      ...args,
      tmpMb: 2048,
      statements: pulumi
        .all([linked.statements, this.failureQueue.arn])
        .apply(([statements, queueArn]) => [
          ...statements,
          ...sourceStatements,
          ...queueSendStatements("RecordFailedRuns", queueArn),
        ]),
      env: {
        [ENV.THOTH_COLLECTIONS]: JSON.stringify(args.collections),
        [ENV.THOTH_KEEP_VERSIONS]: String(args.keepVersions),
        ...linked.env,
      },
      ...(args.reservedConcurrency !== undefined
        ? { settings: { reservedConcurrentExecutions: args.reservedConcurrency } }
        : {}),
    }));

    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-async`,
      {
        functionName: this.function.name,
        maximumRetryAttempts: 0,
        maximumEventAgeInSeconds: 3600,
        destinationConfig: { onFailure: { destination: this.failureQueue.arn } },
      },
      // The policy grants sqs:SendMessage: AWS checks it when the destination is set, so it must exist first.
      { parent: this, dependsOn: [policy] },
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
    this.registerOutputs({ functionName: this.function.name });
  }
}
