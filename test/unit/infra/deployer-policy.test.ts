import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BUCKET_NAME_PATTERN,
  STATEMENTS_BY_RESOURCE_TYPE,
  deployerPolicy,
  deployerStatement,
} from "../../../infra/deployer-policy.js";
import type { PolicyStatement } from "../../../infra/policies.js";
import { REPO_ROOT } from "../../helpers/folders.js";
import { deployPlatform } from "../../helpers/deploy-platform.js";
import { ACCOUNT, REGION, type RecordedResource } from "../../helpers/pulumi-mocks.js";

/** Every shape of stack the program can declare: both committed stacks, and one with everything optional on
 * (an external issuer instead of Cognito, alarm e-mail, GitLab and Sigma sources with their secrets). */
async function everyShape(): Promise<RecordedResource[]> {
  const shapes = [
    await deployPlatform("dev"),
    await deployPlatform("prod"),
    await deployPlatform(
      "dev",
      {
        alarmEmail: "ops@example.com",
        corsOrigins: ["https://app.example.com"],
        oauth: {
          provider: "external",
          issuer: "https://login.example.com/tenant",
          jwksUrl: "https://login.example.com/tenant/keys",
          audiences: ["api://thoth-dev"],
          scopes: ["api://thoth-dev/mcp.read"],
          groupsClaim: "groups",
          groups: [{ group: "eng", collections: ["eng"] }],
        },
        collections: [
          { name: "eng", source: { type: "gitlab", baseUrl: "https://gitlab.com", projectId: "g/handbook" } },
          { name: "bi", source: { type: "sigma", baseUrl: "https://aws-api.sigmacomputing.com" } },
        ],
      },
      {
        secrets: {
          gitlabToken: pulumi.secret("glpat-secret-token"),
          sigmaCredentials: pulumi.secret('{"clientId":"a","clientSecret":"b"}'),
        },
      },
    ),
  ];
  return shapes.flatMap((s) => s.recorded);
}

/** IAM's wildcard match: `*` any run of characters (colons and slashes too), `?` one. */
function arnMatches(pattern: string, arn: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(arn);
}

const allows = (statements: PolicyStatement[], action: string, arn: string) =>
  statements.some(
    (s) => s.Action.some((a) => arnMatches(a, action)) && s.Resource.some((r) => arnMatches(r, arn)),
  );

/** Pulumi's auto-name (what the mocks leave unset): the logical name or prefix plus a random suffix. */
const autoName = (r: RecordedResource) => (r.inputs.namePrefix as string | undefined) ?? `${r.name}-`;

/**
 * For each resource the deployer creates under a name it knows in advance: the ARN AWS gives it and the call
 * that creates it. Types whose ids AWS chooses (HTTP APIs, user pools) are granted by path or on `*`.
 */
function createdAs(r: RecordedResource): { action: string; arn: string } | undefined {
  const at = `${REGION}:${ACCOUNT}`;
  const i = r.inputs as Record<string, string>;
  switch (r.type) {
    case "aws:s3/bucket:Bucket":
      return { action: "s3:CreateBucket", arn: `arn:aws:s3:::${autoName(r)}a1b2c3d` };
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return {
        action: "s3:PutObject",
        arn: `arn:aws:s3:::${i.bucket!.replace(/-id$/, "")}-a1b2c3d/${i.key}`,
      };
    case "aws:dynamodb/table:Table":
      return { action: "dynamodb:CreateTable", arn: `arn:aws:dynamodb:${at}:table/${i.name}` };
    case "aws:ecr/repository:Repository":
      return { action: "ecr:CreateRepository", arn: `arn:aws:ecr:${at}:repository/${i.name}` };
    case "aws:iam/role:Role":
      return { action: "iam:CreateRole", arn: `arn:aws:iam::${ACCOUNT}:role/${autoName(r)}20261204` };
    case "aws:lambda/function:Function":
      return { action: "lambda:CreateFunction", arn: `arn:aws:lambda:${at}:function:${i.name}` };
    case "aws:lambda/alias:Alias":
      return {
        action: "lambda:CreateAlias",
        arn: `arn:aws:lambda:${at}:function:${i.functionName}:${i.name}`,
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { action: "logs:CreateLogGroup", arn: `arn:aws:logs:${at}:log-group:${i.name}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return { action: "events:PutRule", arn: `arn:aws:events:${at}:rule/${i.name}` };
    case "aws:sqs/queue:Queue":
      return { action: "sqs:CreateQueue", arn: `arn:aws:sqs:${at}:${i.name}` };
    case "aws:sns/topic:Topic":
      return { action: "sns:CreateTopic", arn: `arn:aws:sns:${at}:${i.name}` };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { action: "cloudwatch:PutMetricAlarm", arn: `arn:aws:cloudwatch:${at}:alarm:${i.name}` };
    case "aws:cloudwatch/dashboard:Dashboard":
      return {
        action: "cloudwatch:PutDashboard",
        arn: `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${i.dashboardName}`,
      };
    case "aws:secretsmanager/secret:Secret":
      return {
        action: "secretsmanager:CreateSecret",
        arn: `arn:aws:secretsmanager:${at}:secret:${i.name}-AbCdEf`,
      };
    default:
      return undefined;
  }
}

describe("the deployer's policy (infra/deployer-policy.json)", () => {
  let recorded: RecordedResource[];
  const policy = deployerPolicy();
  beforeAll(async () => {
    recorded = await everyShape();
  });

  it("covers every resource type the program declares, and lists no type it never declares", () => {
    const declared = new Set(recorded.map((r) => r.type).filter((t) => !t.startsWith("thoth:")));
    expect(
      [...declared].filter((t) => !(t in STATEMENTS_BY_RESOURCE_TYPE)),
      "types without grants",
    ).toEqual([]);
    expect(
      Object.keys(STATEMENTS_BY_RESOURCE_TYPE).filter((t) => !declared.has(t)),
      "stale types",
    ).toEqual([]);
  });

  it("lets the deployer create each named resource under the name the program gives it", () => {
    const checked = recorded.map((r) => [r, createdAs(r)] as const).filter(([, c]) => c);
    expect(checked.length).toBeGreaterThan(30);
    for (const [r, created] of checked) {
      const needed = STATEMENTS_BY_RESOURCE_TYPE[r.type]!.map(deployerStatement);
      expect(
        allows(needed, created!.action, created!.arn),
        `${r.type} ${r.name}: ${created!.action} on ${created!.arn}`,
      ).toBe(true);
    }
  });

  it("grants what happens beside the resources' own calls", () => {
    const s = policy.Statement;
    const repository = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/thoth-dev-functions`;
    // Lambda adds its pull policy to the repository when a function first uses an image from it.
    expect(allows(s, "ecr:SetRepositoryPolicy", repository)).toBe(true);
    expect(allows(s, "ecr:GetRepositoryPolicy", repository)).toBe(true);
    // docker-build logs in and pushes.
    expect(allows(s, "ecr:GetAuthorizationToken", "*")).toBe(true);
    for (const push of [
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
    ])
      expect(allows(s, push, repository), push).toBe(true);
    // The HTTP API stage's access logs: a log delivery, and API Gateway's service-linked role on first use.
    for (const delivery of [
      "logs:CreateLogDelivery",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
    ])
      expect(allows(s, delivery, "*"), delivery).toBe(true);
    const slr = s.find((x) => x.Action.includes("iam:CreateServiceLinkedRole"))!;
    expect(slr.Condition).toEqual({ StringEquals: { "iam:AWSServiceName": "ops.apigateway.amazonaws.com" } });
    // Roles are passed to Lambda only, and only Thoth's.
    const pass = s.find((x) => x.Action.includes("iam:PassRole"))!;
    expect(pass.Condition).toEqual({ StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } });
    expect(allows(s, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`)).toBe(false);
    // thoth refresh --stack, after a deploy.
    expect(
      allows(s, "lambda:InvokeFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:thoth-dev-refresh`),
    ).toBe(true);
    expect(
      allows(s, "lambda:InvokeFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:thoth-dev-mcp`),
    ).toBe(false);
  });

  it("reaches nothing outside Thoth's names where AWS allows scoping", () => {
    const s = policy.Statement;
    expect(allows(s, "s3:DeleteBucket", "arn:aws:s3:::company-data")).toBe(false);
    expect(allows(s, "lambda:DeleteFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:payments`)).toBe(
      false,
    );
    expect(allows(s, "iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`)).toBe(
      false,
    );
    expect(
      allows(
        s,
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db`,
      ),
    ).toBe(false);
    // Wildcards reach one kind of thing, never its people: signing up or grouping users stays with an admin.
    const pool = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/eu-west-1_AbCdEf`;
    expect(allows(s, "cognito-idp:CreateUserPoolClient", pool)).toBe(true);
    expect(allows(s, "cognito-idp:AdminAddUserToGroup", pool)).toBe(false);
    expect(allows(s, "cognito-idp:AdminCreateUser", pool)).toBe(false);
    const anywhere = s.filter((x) => x.Resource.includes("*")).map((x) => x.Sid);
    for (const sid of anywhere) expect(sid).toMatch(/AnyResource$/);
    expect(BUCKET_NAME_PATTERN).toBe("storage-bundles-*");
  });

  it("fits a customer managed policy (6,144 characters without whitespace)", () => {
    expect(JSON.stringify(policy).length).toBeLessThanOrEqual(6144);
  });

  it("is the committed file (npm run deployer-policy writes it)", () => {
    const committed = JSON.parse(readFileSync(join(REPO_ROOT, "infra/deployer-policy.json"), "utf8"));
    expect(committed, "infra/deployer-policy.json is stale: run npm run deployer-policy").toEqual(policy);
  });
});
