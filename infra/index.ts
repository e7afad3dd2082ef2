/**
 * The Pulumi program (composition root): read and validate the stack config once, build the components,
 * export the outputs. `pulumi up` runs this file through tsx (see Pulumi.yaml).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireArtifacts } from "./artifacts.js";
import { readStackConfig } from "./config.js";
import { createPlatform } from "./platform.js";

const stackConfig = readStackConfig();
const outputs = createPlatform({
  ...stackConfig,
  artifacts: requireArtifacts(),
  sampleFolder: join(dirname(fileURLToPath(import.meta.url)), "../examples/handbook"),
});

export const mcpUrl = outputs.mcpUrl;
export const region = outputs.region;
export const mcpFunctionName = outputs.mcpFunctionName;
export const mcpAliasName = outputs.mcpAliasName;
export const refreshFunctionName = outputs.refreshFunctionName;
export const imageRepositoryUrl = outputs.imageRepositoryUrl;
export const indexBucketName = outputs.indexBucketName;
export const cacheTableName = outputs.cacheTableName;
export const apiKeysSecretName = outputs.apiKeysSecretName;
export const gitlabTokenSecretName = outputs.gitlabTokenSecretName;
export const sigmaCredentialsSecretName = outputs.sigmaCredentialsSecretName;
export const alarmTopicArn = outputs.alarmTopicArn;
export const dashboardName = outputs.dashboardName;
export const mcpApiKey = outputs.mcpApiKey;
export const mcpClientConfig = outputs.mcpClientConfig;
export const mcpOAuthConfig = outputs.mcpOAuthConfig;
