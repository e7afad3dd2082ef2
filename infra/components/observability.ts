import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmEmailSchema, assertValid } from "../../shared/config.js";
import { METRICS_NAMESPACE, PROJECT } from "../../shared/names.js";

export interface ObservabilityArgs {
  stack: string;
  region: pulumi.Input<string>;
  topicName: string;
  dashboardName: string;
  mcpFunctionName: pulumi.Input<string>;
  refreshFunctionName: pulumi.Input<string>;
  /** The queue failed scheduled refresh runs land in. */
  refreshFailureQueueName: pulumi.Input<string>;
  apiId: pulumi.Input<string>;
  /** Where alarm notifications go; without it the topic exists but has no subscriber. */
  alarmEmail?: string;
  tags?: Record<string, string>;
}

interface AlarmSpec {
  key: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, pulumi.Input<string>>;
  threshold: number;
  periodSeconds?: number;
}

/** Alarms on errors, throttles, API 5xx and failed refreshes (to SNS, optionally email), and a dashboard. */
export class Observability extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:Observability", name, {}, opts);
    if (args.alarmEmail !== undefined)
      assertValid(AlarmEmailSchema, args.alarmEmail, `Observability: alarmEmail "${args.alarmEmail}"`);
    const parent = { parent: this };
    this.topic = new aws.sns.Topic(`${name}-alarms`, { name: args.topicName, tags: args.tags }, parent);
    if (args.alarmEmail) {
      new aws.sns.TopicSubscription(
        `${name}-alarm-email`,
        { topic: this.topic.arn, protocol: "email", endpoint: args.alarmEmail },
        parent,
      );
    }

    const specs: AlarmSpec[] = [
      {
        key: "mcp-errors",
        description: "MCP function errors",
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: args.mcpFunctionName },
        threshold: 5,
      },
      {
        key: "mcp-throttles",
        description: "MCP function throttled",
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions: { FunctionName: args.mcpFunctionName },
        threshold: 1,
      },
      {
        key: "refresh-errors",
        description: "Refresh function errors",
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: args.refreshFunctionName },
        threshold: 1,
      },
      {
        key: "refresh-throttles",
        description: "Refresh function throttled",
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions: { FunctionName: args.refreshFunctionName },
        threshold: 1,
      },
      {
        key: "api-5xx",
        description: "HTTP API answered 5xx",
        namespace: "AWS/ApiGateway",
        metricName: "5xx",
        dimensions: { ApiId: args.apiId, Stage: "$default" },
        threshold: 5,
      },
      {
        key: "refresh-run-failed",
        description:
          "A scheduled refresh run failed as a whole (its event is in the failure queue; not retried)",
        namespace: "AWS/SQS",
        metricName: "NumberOfMessagesSent",
        dimensions: { QueueName: args.refreshFailureQueueName },
        threshold: 1,
      },
      {
        key: "refresh-failed",
        description: "A collection refresh failed (the previous index keeps serving)",
        namespace: METRICS_NAMESPACE,
        metricName: "RefreshFailed",
        // Published in Embedded Metric Format by the refresh job (functions/lib/metrics.ts).
        dimensions: { service: PROJECT, Stack: args.stack },
        threshold: 1,
        periodSeconds: 3600,
      },
    ];
    this.alarms = specs.map(
      (spec) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-${spec.key}`,
          {
            name: `thoth-${args.stack}-${spec.key}`,
            alarmDescription: spec.description,
            namespace: spec.namespace,
            metricName: spec.metricName,
            dimensions: spec.dimensions,
            statistic: "Sum",
            period: spec.periodSeconds ?? 300,
            evaluationPeriods: 1,
            threshold: spec.threshold,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
            alarmActions: [this.topic.arn],
            okActions: [this.topic.arn],
            tags: args.tags,
          },
          parent,
        ),
    );

    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: args.dashboardName,
        dashboardBody: pulumi
          .all([args.region, args.mcpFunctionName, args.refreshFunctionName, args.apiId])
          .apply(([region, mcp, refresh, apiId]) =>
            JSON.stringify(dashboardBody(region, mcp, refresh, apiId, args.stack)),
          ),
      },
      parent,
    );
    this.registerOutputs({ topicArn: this.topic.arn });
  }
}

export function dashboardBody(
  region: string,
  mcp: string,
  refresh: string,
  apiId: string,
  stack: string,
): object {
  const widget = (x: number, y: number, title: string, metrics: unknown[][], stat = "Sum") => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region, stat, period: 300, view: "timeSeries", metrics },
  });
  return {
    widgets: [
      widget(0, 0, "API requests and errors", [
        ["AWS/ApiGateway", "Count", "ApiId", apiId, "Stage", "$default"],
        ["AWS/ApiGateway", "4xx", "ApiId", apiId, "Stage", "$default"],
        ["AWS/ApiGateway", "5xx", "ApiId", apiId, "Stage", "$default"],
      ]),
      widget(
        12,
        0,
        "API latency p50 / p99 (ms)",
        [
          ["AWS/ApiGateway", "Latency", "ApiId", apiId, "Stage", "$default", { stat: "p50" }],
          ["AWS/ApiGateway", "Latency", "ApiId", apiId, "Stage", "$default", { stat: "p99" }],
        ],
        "p50",
      ),
      widget(0, 6, "MCP function", [
        ["AWS/Lambda", "Invocations", "FunctionName", mcp],
        ["AWS/Lambda", "Errors", "FunctionName", mcp],
        ["AWS/Lambda", "Throttles", "FunctionName", mcp],
      ]),
      widget(
        12,
        6,
        "MCP duration p50 / p99 (ms)",
        [
          ["AWS/Lambda", "Duration", "FunctionName", mcp, { stat: "p50" }],
          ["AWS/Lambda", "Duration", "FunctionName", mcp, { stat: "p99" }],
        ],
        "p50",
      ),
      widget(0, 12, "Refresh runs", [
        ["AWS/Lambda", "Invocations", "FunctionName", refresh],
        ["AWS/Lambda", "Errors", "FunctionName", refresh],
        [METRICS_NAMESPACE, "RefreshFailed", "service", PROJECT, "Stack", stack],
      ]),
      widget(12, 12, "Refresh work", [
        [METRICS_NAMESPACE, "ChunksEmbedded", "service", PROJECT, "Stack", stack],
        [METRICS_NAMESPACE, "DocumentsSkipped", "service", PROJECT, "Stack", stack],
      ]),
    ],
  };
}
