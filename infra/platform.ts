import * as pulumi from "@pulumi/pulumi";
import { clientConfigs } from "../shared/client-config.js";
import type { StackConfig } from "../shared/config.js";
import { IMAGE_MODEL_DIR, SAMPLE_PREFIX, stackNames } from "../shared/names.js";
import type { ArtifactPaths } from "./artifacts.js";
import { Images } from "./components/images.js";
import { McpApi } from "./components/mcp-api.js";
import { Observability } from "./components/observability.js";
import { RefreshJob } from "./components/refresh-job.js";
import { Secrets } from "./components/secrets.js";
import { SignIn, externalSettings } from "./components/sign-in.js";
import { Storage } from "./components/storage.js";
import type { StackSecrets } from "./config.js";

export interface PlatformArgs {
  stack: string;
  region: string;
  config: StackConfig;
  secrets: StackSecrets;
  artifacts: ArtifactPaths;
  /** The folder `sampleHandbook: true` uploads (examples/handbook). */
  sampleFolder: string;
}

/** Builds one stack's whole footprint from its typed configuration and returns the stack outputs. */
export function createPlatform({ stack, region, config, secrets, artifacts, sampleFolder }: PlatformArgs) {
  const names = stackNames(stack);
  const modelDir = modelDirFor(config.embeddingModel, artifacts.models);
  const tags = { project: "thoth", stack };
  const sources = new Set(config.collections.map((c) => c.source.type));

  const storage = new Storage("storage", { tableName: names.table, protect: config.protect, tags });
  if (config.sampleHandbook) storage.uploadFolder("sample", SAMPLE_PREFIX, sampleFolder);
  // s3 sources without a bucket read a prefix of the stack's own bucket.
  const ownSourcePrefixes = config.collections.flatMap((c) =>
    c.source.type === "s3" && !c.source.bucket ? [c.source.prefix] : [],
  );
  const images = new Images("images", {
    repositoryName: names.repository,
    contexts: artifacts.imageContexts,
    tags: artifacts.imageTags,
    protect: config.protect,
    architecture: config.architecture,
    resourceTags: tags,
  });
  const keys = new Secrets("secrets", {
    secretName: names.secret,
    ...(secrets.apiKeys ? { apiKeys: secrets.apiKeys } : {}),
    gitlab: sources.has("gitlab"),
    ...(secrets.gitlabToken ? { gitlabToken: secrets.gitlabToken } : {}),
    sigma: sources.has("sigma"),
    ...(secrets.sigmaCredentials ? { sigmaCredentials: secrets.sigmaCredentials } : {}),
    recoveryWindowInDays: config.secretRecoveryDays ?? (config.protect ? 30 : 7),
    tags,
  });
  // Sign-in with OAuth: a Cognito user pool of the stack's own, or the company's issuer (nothing created).
  const signIn =
    config.oauth?.provider === "cognito"
      ? new SignIn("sign-in", {
          stack,
          region,
          userPoolName: names.userPool,
          groups: config.oauth.groups,
          domainPrefix: config.oauth.domainPrefix,
          callbackUrls: config.oauth.callbackUrls,
          protect: config.protect,
          tags,
        })
      : undefined;
  const oauthSettings = signIn
    ? signIn.settings.apply((s) => JSON.stringify(s))
    : config.oauth?.provider === "external"
      ? JSON.stringify(externalSettings(stack, config.oauth))
      : undefined;
  const api = new McpApi("mcp", {
    stack,
    functionName: names.mcpFunction,
    apiName: names.api,
    imageUri: images.imageUri("mcp"),
    architecture: config.architecture,
    ...(modelDir ? { modelDir } : {}),
    embeddingModel: config.embeddingModel,
    memoryMb: config.mcp.memoryMb,
    timeoutSeconds: config.mcp.timeoutSeconds,
    tmpMb: config.mcp.tmpMb,
    logRetentionDays: config.logRetentionDays,
    accessLogGroupName: names.apiAccessLogGroup,
    throttle: config.throttle,
    corsOrigins: config.corsOrigins,
    websiteUrl: config.websiteUrl,
    detailedMetrics: config.detailedRouteMetrics,
    oauthSettings,
    links: [storage.readLink(), keys.apiKeysLink()],
    tags,
  });
  const refresh = new RefreshJob("refresh", {
    stack,
    functionName: names.refreshFunction,
    scheduleName: names.schedule,
    imageUri: images.imageUri("refresh"),
    architecture: config.architecture,
    ...(modelDir ? { modelDir } : {}),
    failureQueueName: names.refreshFailures,
    ...(config.refreshReservedConcurrency !== undefined
      ? { reservedConcurrency: config.refreshReservedConcurrency }
      : {}),
    collections: config.collections,
    embeddingModel: config.embeddingModel,
    keepVersions: config.keepVersions,
    memoryMb: config.refresh.memoryMb,
    timeoutSeconds: config.refresh.timeoutSeconds,
    schedule: config.refreshSchedule,
    logRetentionDays: config.logRetentionDays,
    links: [storage.writeLink(ownSourcePrefixes), keys.sourceCredentialsLink()],
    tags,
  });
  const observability = new Observability("observability", {
    stack,
    region,
    topicName: names.alarmTopic,
    dashboardName: names.dashboard,
    mcpFunctionName: api.function.name,
    refreshFunctionName: refresh.function.name,
    refreshFailureQueueName: refresh.failureQueue.name,
    apiId: api.api.id,
    ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    tags,
  });

  return {
    mcpUrl: api.url,
    region: pulumi.output(region),
    mcpFunctionName: api.function.name,
    mcpAliasName: api.alias.name,
    refreshFunctionName: refresh.function.name,
    imageRepositoryUrl: images.repository.repositoryUrl,
    indexBucketName: storage.bucket.bucket,
    cacheTableName: storage.table.name,
    apiKeysSecretName: keys.apiKeys.name,
    gitlabTokenSecretName: keys.gitlabToken?.name,
    sigmaCredentialsSecretName: keys.sigmaCredentials?.name,
    alarmTopicArn: observability.topic.arn,
    dashboardName: observability.dashboard.dashboardName,
    /** One API key for clients (secret), e.g. for `thoth search --stack`. */
    mcpApiKey: pulumi.secret(keys.clientApiKey),
    /** The OAuth endpoint and what each client family enters (`thoth client-config --client claude-ai`). */
    mcpOAuthConfig: api.oauthUrl
      ? pulumi
          .all({
            url: api.oauthUrl,
            issuer: signIn?.issuer ?? (config.oauth?.provider === "external" ? config.oauth.issuer : ""),
            loginUrl: signIn?.loginUrl ?? "",
            userPoolId: signIn?.userPool.id ?? "",
            clientIds: signIn
              ? pulumi.all(Object.fromEntries(Object.entries(signIn.clients).map(([f, c]) => [f, c.id])))
              : {},
          })
          .apply((o) => JSON.stringify(o))
      : undefined,
    mcpClientConfig: pulumi.secret(
      pulumi
        .all([api.url, keys.clientApiKey])
        .apply(([url, apiKey]) => JSON.stringify(clientConfigs({ url, apiKey }))),
    ),
  };
}

/**
 * Where the functions find the stack's embedding model: in the images when `npm run package` baked it in. A
 * package without any model deploys keyword search on purpose (the functions get no THOTH_MODEL_DIR, so the
 * refresh publishes keyword-only bundles); a package with other models than the stack's is a mistake.
 */
export function modelDirFor(embeddingModel: string, packaged: string[]): string | undefined {
  if (packaged.includes(embeddingModel)) return IMAGE_MODEL_DIR;
  if (!packaged.length) {
    pulumi.log.warn(
      `no embedding model was packaged: this stack serves keyword search only. For hybrid search run \`npm run model:fetch -- ${embeddingModel}\` and \`npm run package\`, then \`pulumi up\` again`,
    );
    return undefined;
  }
  throw new Error(
    `the stack embeds with ${embeddingModel} (thoth:embeddingModel), but the package holds ${packaged.join(", ")}: run \`npm run model:fetch -- ${embeddingModel}\` and \`npm run package\``,
  );
}
