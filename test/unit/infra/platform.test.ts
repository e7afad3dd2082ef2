import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { packagedModels, type ArtifactPaths } from "../../../infra/artifacts.js";
import { parseStackConfig } from "../../../infra/config.js";
import { RuntimeEnvSchema } from "../../../shared/config.js";
import { contentTag } from "../../../scripts/package.js";
import { SAMPLE_HANDBOOK, tempDir } from "../../helpers/folders.js";
import { modelDirFor } from "../../../infra/platform.js";
import { assertLeastPrivilege, type PolicyDocument } from "../../../infra/policies.js";
import { byType, installMocks, resolve, stackFileValues } from "../../helpers/pulumi-mocks.js";
import { TEST_ARTIFACTS, deployPlatform, type Deployed } from "../../helpers/deploy-platform.js";

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
  "thoth:infra:Images",
  "aws:s3/bucketObjectv2:BucketObjectv2",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  "aws:sqs/queue:Queue",
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
  "docker-build:index:Image",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/dashboard:Dashboard",
  "aws:sns/topic:Topic",
  "thoth:infra:SignIn",
  "aws:cognito/userPool:UserPool",
  "aws:cognito/userPoolDomain:UserPoolDomain",
  "aws:cognito/resourceServer:ResourceServer",
  "aws:cognito/userPoolClient:UserPoolClient",
  "aws:cognito/managedLoginBranding:ManagedLoginBranding",
  "aws:cognito/userGroup:UserGroup",
  "random:index/randomString:RandomString",
];

const ARTIFACTS = TEST_ARTIFACTS;
const CONFIGURED_KEY = "configured-key-abcdef,second-key-123456";

const deploy = (
  stack: "dev" | "prod",
  extra: Record<string, unknown> = {},
  withKey = false,
  artifacts: ArtifactPaths = ARTIFACTS,
): Promise<Deployed> =>
  deployPlatform(stack, extra, {
    artifacts,
    ...(withKey
      ? {
          secrets: {
            apiKeys: pulumi.secret(CONFIGURED_KEY),
            gitlabToken: pulumi.secret("glpat-secret-token"),
          },
        }
      : {}),
  });

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
    // Cognito group names live inside the stack's own user pool: people see them, so they stay as configured.
    const physical = d.recorded
      .filter((r) => r.type !== "aws:cognito/userGroup:UserGroup")
      .flatMap((r) =>
        ["name", "functionName", "dashboardName"]
          .map((k) => r.inputs[k])
          .filter((v): v is string => typeof v === "string"),
      );
    expect(physical.length).toBeGreaterThan(15);
    for (const name of physical.filter((n) => n !== "live" && n !== "$default")) {
      expect(name, name).toMatch(new RegExp(`(^|[-/])${stack}([-/]|$)`));
    }
  });

  it("sets only variables the functions' runtime schema reads, each of which it parses", () => {
    for (const fn of [`thoth-${stack}-mcp`, `thoth-${stack}-refresh`]) {
      const env = functionEnv(d, fn);
      for (const key of Object.keys(env))
        expect(Object.keys(RuntimeEnvSchema.shape), `${fn} ${key}`).toContain(key);
      expect(() => RuntimeEnvSchema.parse(env), fn).not.toThrow();
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
      THOTH_MODEL_DIR: "/var/task/model",
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

  it("grants the refresh function bundle writes, table writes, the sample prefix and its failure queue", () => {
    const policy = rolePolicy(d, "refresh-policy");
    expect(policy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        "WriteOwnLogs",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [`arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/thoth-${stack}-refresh:*`],
      ],
      [
        "WriteIndexBundles",
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        ["arn:aws:s3:::storage-bundles-bucket/collections/*"],
      ],
      ["ListIndexBundles", ["s3:ListBucket"], ["arn:aws:s3:::storage-bundles-bucket"]],
      [
        "WriteDocumentCache",
        expect.arrayContaining(["dynamodb:PutItem"]),
        [expect.stringContaining(`thoth-${stack}-cache`)],
      ],
      ["ReadSource0Objects", ["s3:GetObject"], ["arn:aws:s3:::storage-bundles-bucket/samples/handbook/*"]],
      [
        "RecordFailedRuns",
        ["sqs:SendMessage"],
        [`arn:aws:sqs:eu-west-1:123456789012:thoth-${stack}-refresh-failures`],
      ],
    ]);
    assertLeastPrivilege(policy);
  });

  it("lets both functions list their own bucket without a prefix condition, so a missing key is 404, not 403", () => {
    // S3 answers GetObject of a missing key with 404 only to a caller allowed s3:ListBucket on the bucket; the
    // GetObject request carries no s3:prefix, so a prefix-conditioned grant would make it 403 AccessDenied.
    for (const role of ["mcp-policy", "refresh-policy"]) {
      const list = rolePolicy(d, role).Statement.filter((s) => s.Action.includes("s3:ListBucket"));
      expect(list, role).toEqual([
        {
          Sid: "ListIndexBundles",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: ["arn:aws:s3:::storage-bundles-bucket"],
        },
      ]);
    }
  });

  it("uploads the sample handbook to the prefix its collection reads", () => {
    const objects = byType(d.recorded, "aws:s3/bucketObjectv2:BucketObjectv2");
    const files = readdirSync(SAMPLE_HANDBOOK, { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    expect(objects).toHaveLength(files.length);
    expect(objects.map((o) => o.inputs.key)).toContain("samples/handbook/on-call/rotation.md");
    for (const o of objects) expect(o.inputs.key as string).toMatch(/^samples\/handbook\/[\w./-]+$/);
    expect(JSON.parse(functionEnv(d, `thoth-${stack}-refresh`).THOTH_COLLECTIONS!)).toEqual([
      {
        name: "handbook",
        description: "Sample engineering handbook",
        source: { type: "s3", prefix: "samples/handbook/" },
      },
    ]);
  });

  it("sets the failure destination and creates the functions only after the policies that allow them", () => {
    const invokeConfig = byType(
      d.recorded,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    )[0]!;
    expect(invokeConfig.dependsOn).toContain("refresh-policy");
    for (const fn of byType(d.recorded, "aws:lambda/function:Function"))
      expect(fn.dependsOn, fn.name).toContain(fn.name.replace(/-function$/, "-policy"));
  });

  it("does not retry a failed scheduled refresh, and sends it where an alarm sees it", () => {
    const invoke = byType(d.recorded, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.inputs).toMatchObject({
      functionName: `thoth-${stack}-refresh`,
      maximumRetryAttempts: 0,
      destinationConfig: {
        onFailure: { destination: `arn:aws:sqs:eu-west-1:123456789012:thoth-${stack}-refresh-failures` },
      },
    });
    const alarm = byType(d.recorded, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
      (a) => a.inputs.name === `thoth-${stack}-refresh-run-failed`,
    )!;
    expect(alarm.inputs).toMatchObject({
      namespace: "AWS/SQS",
      dimensions: { QueueName: `thoth-${stack}-refresh-failures` },
      threshold: 1,
    });
  });

  it("gives the MCP function a /tmp for its bundle cache, and tells it the cache's share", () => {
    const mcp = byType(d.recorded, "aws:lambda/function:Function").find(
      (f) => f.inputs.name === `thoth-${stack}-mcp`,
    )!;
    // Lambda's default /tmp is 512 MB: a 130k-chunk bundle with 384-d vectors is 307 MB, and a hot swap holds
    // two versions. hnswlib loads vectors.hnsw from the cached file itself; the rest of /tmp is for a vector
    // index too large to cache, which goes through a temporary copy.
    expect(mcp.inputs.ephemeralStorage).toEqual({ size: 2048 });
    const cacheMb = Number(functionEnv(d, `thoth-${stack}-mcp`).THOTH_CACHE_MB);
    expect(cacheMb).toBe(1536);
    expect(cacheMb).toBeGreaterThan(2 * 307);
  });

  it("reserves no concurrency and keeps every function within a new account's memory cap", () => {
    for (const fn of byType(d.recorded, "aws:lambda/function:Function")) {
      expect(fn.inputs.reservedConcurrentExecutions, fn.name).toBeUndefined();
      expect(fn.inputs.memorySize as number, fn.name).toBeLessThanOrEqual(3008);
    }
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

  it("routes /mcp, /mcp/oauth and the OAuth discovery documents to the live alias, throttled, with access logs", () => {
    expect(
      byType(d.recorded, "aws:apigatewayv2/route:Route")
        .map((r) => r.inputs.routeKey)
        .sort(),
    ).toEqual([
      "DELETE /mcp",
      "DELETE /mcp/oauth",
      "GET /.well-known/oauth-authorization-server/mcp/oauth",
      "GET /.well-known/oauth-protected-resource",
      "GET /.well-known/oauth-protected-resource/mcp/oauth",
      "GET /mcp",
      "GET /mcp/oauth",
      "OPTIONS /.well-known/oauth-authorization-server/mcp/oauth",
      "OPTIONS /.well-known/oauth-protected-resource",
      "OPTIONS /.well-known/oauth-protected-resource/mcp/oauth",
      "POST /mcp",
      "POST /mcp/oauth",
    ]);
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

  it("schedules the refresh from its configured expression", () => {
    const config = parseStackConfig(stack, stackFileValues(stack));
    expect(byType(d.recorded, "aws:cloudwatch/eventRule:EventRule")[0]!.inputs.scheduleExpression).toBe(
      config.refreshSchedule,
    );
  });

  it("runs each function as an image of its own relative context, tagged by content, in a MUTABLE repository", () => {
    const functions = byType(d.recorded, "aws:lambda/function:Function").sort((a, b) =>
      String(a.inputs.name).localeCompare(String(b.inputs.name)),
    );
    expect(functions.map((f) => [f.inputs.name, f.inputs.packageType, f.inputs.architectures])).toEqual([
      [`thoth-${stack}-mcp`, "Image", ["x86_64"]],
      [`thoth-${stack}-refresh`, "Image", ["x86_64"]],
    ]);
    const images = byType(d.recorded, "docker-build:index:Image").sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    expect(images.map((i) => [i.name, i.inputs.context, i.inputs.dockerfile, i.inputs.platforms])).toEqual([
      [
        "images-mcp",
        { location: "dist/image/mcp" },
        { location: "dist/image/mcp/Dockerfile" },
        ["linux/amd64"],
      ],
      [
        "images-refresh",
        { location: "dist/image/refresh" },
        { location: "dist/image/refresh/Dockerfile" },
        ["linux/amd64"],
      ],
    ]);
    expect(images.map((i) => i.inputs.tags)).toEqual([
      [expect.stringMatching(/thoth-[a-z]+-functions:mcp-0123456789abcdef$/)],
      [expect.stringMatching(/thoth-[a-z]+-functions:refresh-0123456789abcdef$/)],
    ]);
    for (const image of images) {
      expect(image.inputs.push).toBe(true);
      expect(image.inputs.target).toBeUndefined();
    }
    // Rebuilding unchanged content pushes a new digest under the same tag; IMMUTABLE would refuse it.
    expect(byType(d.recorded, "aws:ecr/repository:Repository")[0]!.inputs).toMatchObject({
      name: `thoth-${stack}-functions`,
      imageTagMutability: "MUTABLE",
    });
    for (const f of functions) expect(f.inputs.imageUri).toMatch(/dkr\.ecr.*@sha256:[0-9a-f]{64}$/);
  });

  it("alarms on errors, throttles, API 5xx and failed refreshes", () => {
    const alarms = byType(d.recorded, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name);
    expect(alarms.sort()).toEqual(
      [
        "api-5xx",
        "mcp-errors",
        "mcp-throttles",
        "refresh-errors",
        "refresh-failed",
        "refresh-run-failed",
        "refresh-throttles",
      ].map((k) => `thoth-${stack}-${k}`),
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

describe("what a deploy ships", () => {
  it("deploys a new refresh image when the refresh code changes, and leaves the MCP function alone", async () => {
    // Two contexts as npm run package writes them: the shared parts in each, and each function's own app/.
    const root = await tempDir("thoth-context-");
    const contexts = { mcp: join(root, "mcp"), refresh: join(root, "refresh") };
    for (const [target, context] of Object.entries(contexts)) {
      for (const dir of ["deps", "model", "app"]) await mkdir(join(context, dir), { recursive: true });
      await writeFile(join(context, "Dockerfile"), "FROM public.ecr.aws/lambda/nodejs:22\n");
      await writeFile(join(context, "deps", "package-lock.json"), "{}");
      await writeFile(join(context, "app", "index.mjs"), `export const handler = () => "${target}";`);
    }
    const tags = async () => ({
      mcp: await contentTag(contexts.mcp, "mcp"),
      refresh: await contentTag(contexts.refresh, "refresh"),
    });
    const before = await tags();
    await writeFile(join(contexts.refresh, "app", "index.mjs"), "export const handler = () => 2;");
    const after = await tags();
    expect(after.mcp).toBe(before.mcp);
    expect(after.refresh).not.toBe(before.refresh);
    expect(after.refresh).toMatch(/^refresh-[0-9a-f]{16}$/);

    const uri = async (imageTags: ArtifactPaths["imageTags"]) => {
      const d = await deploy("dev", {}, false, { ...ARTIFACTS, imageTags });
      const fns = byType(d.recorded, "aws:lambda/function:Function");
      return Object.fromEntries(fns.map((f) => [f.inputs.name, f.inputs.imageUri]));
    };
    const [first, second] = [await uri(before), await uri(after)];
    expect(second["thoth-dev-mcp"]).toBe(first["thoth-dev-mcp"]);
    expect(second["thoth-dev-refresh"]).not.toBe(first["thoth-dev-refresh"]);
    // A change to what both images hold (the Dockerfile, the modules, the model) changes both.
    for (const context of Object.values(contexts))
      await writeFile(join(context, "Dockerfile"), "FROM public.ecr.aws/lambda/nodejs:22\nRUN true\n");
    const third = await tags();
    expect(third.mcp).not.toBe(after.mcp);
    expect(third.refresh).not.toBe(after.refresh);
  });

  it("keeps the images a rollback reaches: retained on delete, one resource per function whatever the tag, expired by the lifecycle rule", async () => {
    const names = async (imageTags: ArtifactPaths["imageTags"]) => {
      const d = await deploy("dev", {}, false, { ...ARTIFACTS, imageTags });
      const images = byType(d.recorded, "docker-build:index:Image");
      for (const image of images) expect(image.retainOnDelete, image.name).toBe(true);
      const lifecycle = JSON.parse(
        byType(d.recorded, "aws:ecr/lifecyclePolicy:LifecyclePolicy")[0]!.inputs.policy as string,
      ) as { rules: { selection: { countNumber: number } }[] };
      expect(lifecycle.rules[0]!.selection.countNumber).toBe(20);
      return images.map((i) => i.name).sort();
    };
    // A new tag is an update of the same resource, not a replacement that would delete the old image.
    const first = await names(ARTIFACTS.imageTags);
    const next = await names({ mcp: "mcp-1111111111111111", refresh: "refresh-2222222222222222" });
    expect(next).toEqual(first);
    expect(first).toEqual(["images-mcp", "images-refresh"]);
  });

  it("builds and runs both functions on arm64 (Graviton) when the stack asks for it", async () => {
    const d = await deploy("dev", { architecture: "arm64" });
    for (const fn of byType(d.recorded, "aws:lambda/function:Function"))
      expect(fn.inputs.architectures, fn.name).toEqual(["arm64"]);
    for (const image of byType(d.recorded, "docker-build:index:Image"))
      expect(image.inputs.platforms, image.name).toEqual(["linux/arm64"]);
    expect(() => parseStackConfig("dev", { ...stackFileValues("dev"), architecture: "arm" })).toThrow(
      /thoth:architecture/,
    );
  });

  it("turns optional quota and cost settings on only when configured", async () => {
    const d = await deploy("dev", {
      refreshReservedConcurrency: 2,
      detailedRouteMetrics: true,
      secretRecoveryDays: 7,
    });
    const refresh = byType(d.recorded, "aws:lambda/function:Function").find(
      (f) => f.inputs.name === "thoth-dev-refresh",
    )!;
    expect(refresh.inputs.reservedConcurrentExecutions).toBe(2);
    const stage = byType(d.recorded, "aws:apigatewayv2/stage:Stage")[0]!.inputs as {
      defaultRouteSettings: { detailedMetricsEnabled: boolean };
    };
    expect(stage.defaultRouteSettings.detailedMetricsEnabled).toBe(true);
    expect(byType(d.recorded, "aws:secretsmanager/secret:Secret")[0]!.inputs.recoveryWindowInDays).toBe(7);
    const plain = await deploy("dev");
    const plainStage = byType(plain.recorded, "aws:apigatewayv2/stage:Stage")[0]!.inputs as {
      defaultRouteSettings: { detailedMetricsEnabled: boolean };
    };
    expect(plainStage.defaultRouteSettings.detailedMetricsEnabled).toBe(false);
    expect(byType(plain.recorded, "aws:secretsmanager/secret:Secret")[0]!.inputs.recoveryWindowInDays).toBe(
      0,
    );
  });
});

describe("the embedding model a deploy ships", () => {
  it("points both functions at the packaged model, or leaves them keyword-only when none was packaged", async () => {
    const withModel = await deploy("dev");
    for (const fn of ["thoth-dev-mcp", "thoth-dev-refresh"]) {
      expect(functionEnv(withModel, fn).THOTH_MODEL_DIR, fn).toBe("/var/task/model");
    }
    const keywordOnly = await deploy("dev", {}, false, { ...ARTIFACTS, models: [] });
    for (const fn of ["thoth-dev-mcp", "thoth-dev-refresh"]) {
      expect(functionEnv(keywordOnly, fn).THOTH_MODEL_DIR, fn).toBeUndefined();
      expect(functionEnv(keywordOnly, fn).THOTH_EMBEDDING_MODEL, fn).toBe("Xenova/all-MiniLM-L6-v2");
    }
  });

  it("refuses a package that holds another model than the stack embeds with", () => {
    installMocks("dev");
    expect(() => modelDirFor("Xenova/all-MiniLM-L6-v2", ["thoth/tiny"])).toThrow(
      /the stack embeds with Xenova\/all-MiniLM-L6-v2 \(thoth:embeddingModel\), but the package holds thoth\/tiny: run `npm run model:fetch -- Xenova\/all-MiniLM-L6-v2`/,
    );
  });

  it("finds the models npm run package baked in", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "Xenova", "all-MiniLM-L6-v2", "onnx"), { recursive: true });
    await writeFile(join(dir, "Xenova", "all-MiniLM-L6-v2", "config.json"), "{}");
    await mkdir(join(dir, "thoth", "empty"), { recursive: true });
    expect(packagedModels(dir)).toEqual(["Xenova/all-MiniLM-L6-v2"]);
    expect(packagedModels(join(dir, "missing"))).toEqual([]);
  });
});

describe("configured secrets and options", () => {
  it("uses configured API keys instead of generating one, without leaking them into any input but the secret", async () => {
    const d = await deploy(
      "dev",
      {
        alarmEmail: "ops@example.com",
        corsOrigins: ["https://app.example.com"],
        collections: [
          { name: "eng", source: { type: "gitlab", baseUrl: "https://gitlab.com", projectId: "g/handbook" } },
        ],
      },
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
    const cors = byType(d.recorded, "aws:apigatewayv2/api:Api")[0]!.inputs.corsConfiguration as Record<
      string,
      string[]
    >;
    expect(cors).toMatchObject({ allowOrigins: ["https://app.example.com"] });
    // A browser client sends the 2026-07-28 routing headers and reads the protocol version and the challenge.
    expect(cors.allowHeaders).toEqual(
      expect.arrayContaining(["authorization", "mcp-protocol-version", "mcp-method", "mcp-name"]),
    );
    expect(cors.exposeHeaders).toEqual(
      expect.arrayContaining(["mcp-session-id", "mcp-protocol-version", "www-authenticate"]),
    );
  });

  it("passes websiteUrl to the MCP function only when the stack sets one", async () => {
    const set = await deploy("dev", { websiteUrl: "https://wiki.example.com/thoth" });
    expect(functionEnv(set, "thoth-dev-mcp").THOTH_WEBSITE_URL).toBe("https://wiki.example.com/thoth");
    const unset = await deploy("dev", {});
    expect(functionEnv(unset, "thoth-dev-mcp").THOTH_WEBSITE_URL).toBeUndefined();
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
