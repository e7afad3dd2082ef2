import * as pulumi from "@pulumi/pulumi";
import { clientConfigs } from "../shared/client-config.js";
import type { StackConfig } from "../shared/config.js";
import { stackNames } from "../shared/names.js";
import type { ArtifactPaths } from "./artifacts.js";
import { McpApi } from "./components/mcp-api.js";
import { Observability } from "./components/observability.js";
import { RefreshJob } from "./components/refresh-job.js";
import { Secrets } from "./components/secrets.js";
import { Storage } from "./components/storage.js";
import type { StackSecrets } from "./config.js";

export interface PlatformArgs {
  stack: string;
  region: string;
  config: StackConfig;
  secrets: StackSecrets;
  artifacts: ArtifactPaths;
}

/** Builds one stack's whole footprint from its typed configuration and returns the stack outputs. */
export function createPlatform({ stack, region, config, secrets, artifacts }: PlatformArgs) {
  const names = stackNames(stack);
  const tags = { project: "thoth", stack };
  const sources = new Set(config.collections.map((c) => c.source.type));

  const storage = new Storage("storage", { tableName: names.table, protect: config.protect, tags });
  const keys = new Secrets("secrets", {
    secretName: names.secret,
    ...(secrets.apiKeys ? { apiKeys: secrets.apiKeys } : {}),
    gitlab: sources.has("gitlab"),
    ...(secrets.gitlabToken ? { gitlabToken: secrets.gitlabToken } : {}),
    sigma: sources.has("sigma"),
    ...(secrets.sigmaCredentials ? { sigmaCredentials: secrets.sigmaCredentials } : {}),
    recoveryWindowInDays: config.protect ? 30 : 7,
    tags,
  });
  const api = new McpApi("mcp", {
    stack,
    functionName: names.mcpFunction,
    layerName: names.layer,
    apiName: names.api,
    code: new pulumi.asset.FileArchive(artifacts.mcpCode),
    layer: new pulumi.asset.FileArchive(artifacts.layer),
    embeddingModel: config.embeddingModel,
    memoryMb: config.mcp.memoryMb,
    timeoutSeconds: config.mcp.timeoutSeconds,
    logRetentionDays: config.logRetentionDays,
    accessLogGroupName: names.apiAccessLogGroup,
    throttle: config.throttle,
    corsOrigins: config.corsOrigins,
    links: [storage.readLink(), keys.apiKeysLink()],
    tags,
  });
  const refresh = new RefreshJob("refresh", {
    stack,
    functionName: names.refreshFunction,
    repositoryName: names.repository,
    scheduleName: names.schedule,
    context: artifacts.refreshContext,
    collections: config.collections,
    embeddingModel: config.embeddingModel,
    keepVersions: config.keepVersions,
    memoryMb: config.refresh.memoryMb,
    timeoutSeconds: config.refresh.timeoutSeconds,
    schedule: config.refreshSchedule,
    logRetentionDays: config.logRetentionDays,
    protect: config.protect,
    links: [storage.writeLink(), keys.sourceCredentialsLink()],
    tags,
  });
  const observability = new Observability("observability", {
    stack,
    region,
    topicName: names.alarmTopic,
    dashboardName: names.dashboard,
    mcpFunctionName: api.function.name,
    refreshFunctionName: refresh.function.name,
    apiId: api.api.id,
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    tags,
  });

  return {
    mcpUrl: api.url,
    mcpFunctionName: api.function.name,
    mcpAliasName: api.alias.name,
    refreshFunctionName: refresh.function.name,
    indexBucketName: storage.bucket.bucket,
    cacheTableName: storage.table.name,
    apiKeysSecretName: keys.apiKeys.name,
    gitlabTokenSecretName: keys.gitlabToken?.name,
    sigmaCredentialsSecretName: keys.sigmaCredentials?.name,
    alarmTopicArn: observability.topic.arn,
    dashboardName: observability.dashboard.dashboardName,
    mcpClientConfig: pulumi.secret(
      pulumi
        .all([api.url, keys.clientApiKey])
        .apply(([url, apiKey]) => JSON.stringify(clientConfigs({ url, apiKey }))),
    ),
  };
}
