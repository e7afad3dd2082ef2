import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../infra/config.js";
import { createPlatform } from "../../../infra/platform.js";
import { assertLeastPrivilege, type PolicyDocument } from "../../../infra/policies.js";
import {
  byType,
  installMocks,
  resolve,
  settle,
  stackFileValues,
  type RecordedResource,
} from "../../helpers/pulumi-mocks.js";

const RESOURCE_TYPES = [
  "thoth:infra:Storage",
  "thoth:infra:Secrets",
  "thoth:infra:McpApi",
  "thoth:infra:RefreshJob",
  "thoth:infra:Observability",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:dynamodb/table:Table",
  "aws:secretsmanager/secret:Secret",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "random:index/randomPassword:RandomPassword",
  "aws:lambda/layerVersion:LayerVersion",
  "aws:lambda/function:Function",
  "aws:lambda/alias:Alias",
  "aws:lambda/permission:Permission",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:apigatewayv2/api:Api",
  "aws:apigatewayv2/integration:Integration",
  "aws:apigatewayv2/route:Route",
  "aws:apigatewayv2/stage:Stage",
  "aws:ecr/repository:Repository",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "awsx:ecr:Image",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:sns/topic:Topic",
];

const ARTIFACTS = {
  mcpCode: "/artifacts/mcp-server",
  layer: "/artifacts/layer",
  refreshContext: "/artifacts/refresh",
};
const CONFIGURED_KEY = "configured-key-abcdef,second-key-123456";

interface Deployed {
  recorded: RecordedResource[];
  outputs: ReturnType<typeof createPlatform>;
}

async function deploy(
  stack: "dev" | "prod",
  extra: Record<string, unknown> = {},
  withKey = false,
): Promise<Deployed> {
  const recorded = installMocks(stack);
  const config = parseStackConfig(stack, { ...stackFileValues(stack), ...extra });
  const outputs = createPlatform({
    stack,
    region: "eu-west-1",
    config,
    secrets: withKey
      ? { apiKeys: pulumi.secret(CONFIGURED_KEY), gitlabToken: pulumi.secret("glpat-secret-token") }
      : {},
    artifacts: ARTIFACTS,
  });
  await resolve(outputs.mcpClientConfig);
  await settle(recorded);
  return { recorded, outputs };
}

const functionEnv = (d: Deployed, name: string) =>
  (
    byType(d.recorded, "aws:lambda/function:Function").find((f) => f.inputs.name === name)!.inputs
      .environment as {
      variables: Record<string, string>;
    }
  ).variables;

const rolePolicy = (d: Deployed, name: string): PolicyDocument =>
  JSON.parse(
    d.recorded.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === name)!.inputs
      .policy as string,
  );

describe.each(["dev", "prod"] as const)("the %s stack", (stack) => {
  let d: Deployed;

  beforeAll(async () => {
    d = await deploy(stack);
  });

  it("declares every resource kind of the platform", () => {
    const types = new Set(d.recorded.map((r) => r.type));
    for (const type of RESOURCE_TYPES) expect(types, type).toContain(type);
  });

  it("carries the stack in every physical name", () => {
    const physical = d.recorded.flatMap((r) =>
      ["name", "functionName", "layerName", "dashboardName"]
        .map((k) => r.inputs[k])
        .filter((v): v is string => typeof v === "string"),
    );
    expect(physical.length).toBeGreaterThan(15);
    for (const name of physical.filter((n) => n !== "live" && n !== "$default")) {
      expect(name, name).toMatch(new RegExp(`(^|[-/])${stack}([-/]|$)`));
    }
  });

  it("gives Lambdas secret ARNs in their environment, never secret values", () => {
    for (const fn of [`thoth-${stack}-mcp`, `thoth-${stack}-refresh`]) {
      const env = functionEnv(d, fn);
      for (const [key, value] of Object.entries(env)) {
        if (/SECRET/.test(key)) expect(value, key).toMatch(/^arn:aws:secretsmanager:/);
        expect(value).not.toContain("generated-api-key");
      }
      expect(Object.keys(env).some((k) => /API_KEY$|TOKEN$|PASSWORD/.test(k))).toBe(false);
    }
    expect(functionEnv(d, `thoth-${stack}-mcp`)).toMatchObject({
      THOTH_STACK: stack,
      THOTH_API_KEYS_SECRET_ARN: expect.stringContaining(`thoth/${stack}/api-keys`),
      THOTH_BUNDLE_BUCKET: "storage-bundles-bucket",
      THOTH_MODEL_DIR: "/opt/model",
    });
  });

  it("grants the MCP function exactly read access to bundles, its table and its API keys", () => {
    const policy = rolePolicy(d, "mcp-policy");
    expect(policy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        "WriteOwnLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [`arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/thoth-${stack}-mcp:*`],
      ],
      ["ReadIndexBundles", ["s3:GetObject"], ["arn:aws:s3:::storage-bundles-bucket/collections/*"]],
      ["ListIndexBundles", ["s3:ListBucket"], ["arn:aws:s3:::storage-bundles-bucket"]],
      [
        "ReadDocumentCache",
        ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
        [`arn:aws:dynamodb:eu-west-1:123456789012:thoth-${stack}-cache`],
      ],
      [
        "ReadApiKeys",
        ["secretsmanager:GetSecretValue"],
        [`arn:aws:secretsmanager:eu-west-1:123456789012:secret:thoth/${stack}/api-keys-AbCdEf`],
      ],
    ]);
    assertLeastPrivilege(policy);
  });

  it("grants the refresh function bundle writes, table writes and source secrets (metrics go through logs)", () => {
    const policy = rolePolicy(d, "refresh-policy");
    const sids = policy.Statement.map((s) => s.Sid);
    expect(sids).toEqual([
      "WriteOwnLogs",
      "WriteIndexBundles",
      "ListIndexBundles",
      "WriteDocumentCache",
      "ReadSourceCredentials",
    ]);
    const write = policy.Statement.find((s) => s.Sid === "WriteIndexBundles")!;
    expect(write.Action).toEqual(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
    const secrets = policy.Statement.find((s) => s.Sid === "ReadSourceCredentials")!;
    const expected = stack === "prod" ? ["gitlab-token", "sigma-credentials"] : ["gitlab-token"];
    expect(secrets.Resource.map((arn) => /thoth\/\w+\/([a-z-]+)-AbCdEf$/.exec(arn)![1])).toEqual(expected);
    assertLeastPrivilege(policy);
  });

  it("keeps the bucket private, encrypted, versioned and TLS-only", () => {
    const block = byType(d.recorded, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]!.inputs;
    expect(block).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = JSON.parse(
      byType(d.recorded, "aws:s3/bucketPolicy:BucketPolicy")[0]!.inputs.policy as string,
    );
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(byType(d.recorded, "aws:s3/bucketVersioning:BucketVersioning")[0]!.inputs).toMatchObject({
      versioningConfiguration: { status: "Enabled" },
    });
    expect(
      byType(d.recorded, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0]!.inputs.rules,
    ).toEqual([expect.objectContaining({ noncurrentVersionExpiration: { noncurrentDays: 30 } })]);
  });

  it("routes POST, GET and DELETE /mcp to the live alias, throttled, with access logs", () => {
    expect(
      byType(d.recorded, "aws:apigatewayv2/route:Route")
        .map((r) => r.inputs.routeKey)
        .sort(),
    ).toEqual(["DELETE /mcp", "GET /mcp", "POST /mcp"]);
    const stage = byType(d.recorded, "aws:apigatewayv2/stage:Stage")[0]!.inputs as {
      defaultRouteSettings: { throttlingRateLimit: number };
      accessLogSettings: { format: string };
    };
    const config = parseStackConfig(stack, stackFileValues(stack));
    expect(stage.defaultRouteSettings.throttlingRateLimit).toBe(config.throttle.rateLimit);
    expect(stage.accessLogSettings.format).not.toMatch(/authorization|api-key|header/i);
    const permission = byType(d.recorded, "aws:lambda/permission:Permission").find(
      (p) => p.inputs.principal === "apigateway.amazonaws.com",
    )!;
    expect(permission.inputs).toMatchObject({ qualifier: "live" });
    expect(byType(d.recorded, "aws:apigatewayv2/api:Api")[0]!.inputs.corsConfiguration).toBeUndefined();
  });

  it("schedules the refresh container image from its configured expression", () => {
    const config = parseStackConfig(stack, stackFileValues(stack));
    expect(byType(d.recorded, "aws:cloudwatch/eventRule:EventRule")[0]!.inputs.scheduleExpression).toBe(
      config.refreshSchedule,
    );
    const fn = byType(d.recorded, "aws:lambda/function:Function").find(
      (f) => f.inputs.packageType === "Image",
    )!;
    expect(fn.inputs.imageUri).toMatch(/dkr\.ecr/);
    expect(byType(d.recorded, "awsx:ecr:Image")[0]!.inputs).toMatchObject({
      context: "/artifacts/refresh",
      platform: "linux/amd64",
    });
  });

  it("alarms on errors, throttles, API 5xx and failed refreshes", () => {
    const alarms = byType(d.recorded, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
    expect(alarms.sort()).toEqual(
      ["api-5xx", "mcp-errors", "mcp-throttles", "refresh-errors", "refresh-failed", "refresh-throttles"].map(
        (k) => `thoth-${stack}-${k}`,
      ),
    );
  });

  it("sets retention on every log group from config", () => {
    const days = parseStackConfig(stack, stackFileValues(stack)).logRetentionDays;
    const groups = byType(d.recorded, "aws:cloudwatch/logGroup:LogGroup");
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(g.inputs.retentionInDays).toBe(days);
  });

  it("outputs the MCP URL and a secret client configuration", async () => {
    expect(await resolve(d.outputs.mcpUrl)).toBe("https://mcp-api.execute-api.eu-west-1.amazonaws.com/mcp");
    expect(pulumi.isSecret(d.outputs.mcpClientConfig)).toBeTruthy();
    const config = JSON.parse((await resolve(d.outputs.mcpClientConfig))!);
    expect(JSON.parse(config.claude).mcpServers.thoth.args).toContain(
      "Authorization: Bearer generated-api-key-0123456789",
    );
    expect(JSON.parse(config.vscode).servers.thoth).toMatchObject({
      type: "http",
      url: expect.stringMatching(/\/mcp$/),
    });
  });
});

describe("dev and prod differ only by configuration", () => {
  let dev: Deployed;
  let prod: Deployed;

  beforeAll(async () => {
    dev = await deploy("dev");
    prod = await deploy("prod");
  });

  it("protects data in prod only", () => {
    const table = (d: Deployed) => byType(d.recorded, "aws:dynamodb/table:Table")[0]!.inputs;
    expect(table(prod)).toMatchObject({
      deletionProtectionEnabled: true,
      pointInTimeRecovery: { enabled: true },
    });
    expect(table(dev)).toMatchObject({
      deletionProtectionEnabled: false,
      pointInTimeRecovery: { enabled: false },
    });
    const bucket = (d: Deployed) => byType(d.recorded, "aws:s3/bucket:Bucket")[0]!.inputs;
    expect(bucket(prod).forceDestroy).toBe(false);
    expect(bucket(dev).forceDestroy).toBe(true);
  });

  it("sizes functions from config", () => {
    const memory = (d: Deployed, fn: string) =>
      byType(d.recorded, "aws:lambda/function:Function").find((f) => f.inputs.name === fn)!.inputs.memorySize;
    expect(memory(dev, "thoth-dev-mcp")).toBe(1024);
    expect(memory(prod, "thoth-prod-mcp")).toBe(2048);
  });

  it("has the same resource kinds in both stacks, apart from per-source secrets", () => {
    const kinds = (d: Deployed) => [...new Set(d.recorded.map((r) => r.type))].sort();
    expect(kinds(dev)).toEqual(kinds(prod));
  });
});

describe("configured secrets and options", () => {
  it("uses configured API keys instead of generating one, without leaking them into any input but the secret", async () => {
    const d = await deploy(
      "dev",
      { alarmEmail: "ops@example.com", corsOrigins: ["https://app.example.com"] },
      true,
    );
    expect(byType(d.recorded, "random:index/randomPassword:RandomPassword")).toHaveLength(0);
    const versions = byType(d.recorded, "aws:secretsmanager/secretVersion:SecretVersion");
    // Pulumi hands secret inputs over wrapped with its secret signature: the values stay encrypted in state.
    const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
    const values = versions.map((v) => v.inputs.secretString as { value: string });
    for (const value of values) expect(value).toMatchObject(SECRET_SIG);
    expect(values.map((v) => v.value).sort()).toEqual([CONFIGURED_KEY, "glpat-secret-token"].sort());
    const elsewhere = JSON.stringify(
      d.recorded.filter((r) => r.type !== "aws:secretsmanager/secretVersion:SecretVersion"),
    );
    expect(elsewhere).not.toContain("configured-key-abcdef");
    expect(elsewhere).not.toContain("glpat-secret-token");
    const config = JSON.parse((await resolve(d.outputs.mcpClientConfig))!);
    expect(config["claude-code"]).toContain("Bearer configured-key-abcdef");
    expect(byType(d.recorded, "aws:sns/topicSubscription:TopicSubscription")[0]!.inputs).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
    });
    expect(byType(d.recorded, "aws:apigatewayv2/api:Api")[0]!.inputs.corsConfiguration).toMatchObject({
      allowOrigins: ["https://app.example.com"],
    });
  });

  it("grants read access to an S3 source prefix and nothing more", async () => {
    const d = await deploy("dev", {
      collections: [{ name: "docs", source: { type: "s3", bucket: "corp-docs", prefix: "handbook/" } }],
    });
    const policy = rolePolicy(d, "refresh-policy");
    expect(policy.Statement.find((s) => s.Sid === "ReadSource0Objects")).toMatchObject({
      Action: ["s3:GetObject"],
      Resource: ["arn:aws:s3:::corp-docs/handbook/*"],
    });
    expect(policy.Statement.find((s) => s.Sid === "ReadSourceCredentials")).toBeUndefined();
    assertLeastPrivilege(policy);
  });
});
