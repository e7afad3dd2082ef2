import { beforeAll, describe, expect, it } from "vitest";
import { Images } from "../../../infra/components/images.js";
import { McpApi } from "../../../infra/components/mcp-api.js";
import { Observability } from "../../../infra/components/observability.js";
import { RefreshJob } from "../../../infra/components/refresh-job.js";
import { Secrets } from "../../../infra/components/secrets.js";
import { Storage } from "../../../infra/components/storage.js";
import { installMocks } from "../../helpers/pulumi-mocks.js";

beforeAll(() => {
  installMocks("dev");
});

const mcpArgs = () => ({
  stack: "dev",
  functionName: "thoth-dev-mcp",
  apiName: "thoth-dev-api",
  imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thoth-dev-functions:mcp-0123456789abcdef",
  embeddingModel: "m",
  architecture: "x86_64" as const,
  memoryMb: 1024,
  timeoutSeconds: 29,
  tmpMb: 2048,
  logRetentionDays: 7,
  accessLogGroupName: "/aws/apigateway/thoth-dev-api",
  throttle: { rateLimit: 10, burstLimit: 20 },
  corsOrigins: [],
  links: [],
});

const refreshArgs = () => ({
  stack: "dev",
  functionName: "thoth-dev-refresh",
  scheduleName: "thoth-dev-refresh-schedule",
  imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/thoth-dev-functions:refresh-0123456789abcdef",
  failureQueueName: "thoth-dev-refresh-failures",
  collections: [{ name: "docs", description: "", source: { type: "local" as const, path: "/docs" } }],
  embeddingModel: "m",
  architecture: "x86_64" as const,
  keepVersions: 3,
  memoryMb: 2048,
  timeoutSeconds: 900,
  schedule: "rate(1 day)",
  logRetentionDays: 7,
  links: [],
});

describe("component argument checks name the offending field", () => {
  it("McpApi refuses a timeout longer than API Gateway allows", () => {
    expect(() => new McpApi("m1", { ...mcpArgs(), timeoutSeconds: 60 })).toThrow(/McpApi: timeoutSeconds/);
  });

  it("McpApi refuses a burst limit below the rate limit", () => {
    expect(() => new McpApi("m2", { ...mcpArgs(), throttle: { rateLimit: 50, burstLimit: 10 } })).toThrow(
      /throttle.burstLimit/,
    );
  });

  it("RefreshJob refuses a schedule that is not rate() or cron()", () => {
    expect(() => new RefreshJob("r1", { ...refreshArgs(), schedule: "daily" })).toThrow(
      /RefreshJob: schedule "daily"/,
    );
  });

  it("RefreshJob refuses an empty collection list", () => {
    expect(() => new RefreshJob("r2", { ...refreshArgs(), collections: [] })).toThrow(
      /RefreshJob: collections/,
    );
  });

  it("Images refuses to keep fewer images than there are functions", () => {
    expect(
      () =>
        new Images("i1", {
          repositoryName: "r",
          contexts: { mcp: "dist/image/mcp", refresh: "dist/image/refresh" },
          architecture: "x86_64",
          tags: { mcp: "mcp-0123456789abcdef", refresh: "refresh-0123456789abcdef" },
          keepImages: 1,
          protect: false,
        }),
    ).toThrow(/Images: keepImages/);
  });

  it("Secrets refuses a GitLab token when no collection reads GitLab", () => {
    expect(
      () =>
        new Secrets("s1", {
          secretName: (n) => n,
          gitlab: false,
          gitlabToken: "t",
          sigma: false,
          recoveryWindowInDays: 7,
        }),
    ).toThrow(/Secrets: gitlabToken/);
  });

  it("Secrets refuses a recovery window AWS does not accept", () => {
    expect(
      () => new Secrets("s2", { secretName: (n) => n, gitlab: false, sigma: false, recoveryWindowInDays: 3 }),
    ).toThrow(/recoveryWindowInDays/);
  });

  it("Observability refuses an alarm email that is not an address", () => {
    expect(
      () =>
        new Observability("o1", {
          stack: "dev",
          region: "eu-west-1",
          topicName: "t",
          dashboardName: "d",
          mcpFunctionName: "a",
          refreshFunctionName: "b",
          refreshFailureQueueName: "q",
          apiId: "c",
          alarmEmail: "not-an-email",
        }),
    ).toThrow(/alarmEmail "not-an-email"/);
  });

  it("Storage refuses a noncurrent-version retention under a day", () => {
    expect(() => new Storage("st1", { tableName: "t", protect: false, noncurrentVersionDays: 0 })).toThrow(
      /noncurrentVersionDays/,
    );
  });
});
