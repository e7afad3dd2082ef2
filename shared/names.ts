/**
 * Every physical name Thoth uses (environment variable names are the keys of shared/config.ts's
 * RuntimeEnvSchema). Infra and functions both import these, so a name is spelled once. Physical names always
 * carry the stack.
 */

export const PROJECT = "thoth";

export const DEFAULT_EMBEDDING_MODEL = "Xenova/all-MiniLM-L6-v2";
/** The model id under which `npm run model:tiny` writes the generated test model. */
export const TINY_MODEL_ID = "thoth/tiny";
/**
 * Models that exist to test the code paths, not to rank: their semantic rankings are worse than keyword ranking
 * (the tiny model on the held-in handbook questions: hybrid 0.43 and semantic 0.25 nDCG@10 against keyword 0.70).
 * With one of them, searches default to keyword ranking, and the server says why.
 */
export const TEST_MODEL_IDS: readonly string[] = [TINY_MODEL_ID];
export const isTestModel = (modelId: string | null | undefined): boolean =>
  !!modelId && TEST_MODEL_IDS.includes(modelId);
/** What the server and the CLI say about a test model, wherever one is in use. */
export const testModelNotice = (modelId: string) =>
  `${modelId} is a generated test model: it exercises the semantic code path, but its rankings are meaningless, so searches default to keyword ranking (ask for hybrid or semantic explicitly to test them)`;
export const MCP_PATH = "/mcp";
/** The OAuth endpoint's path; the API-key endpoint stays at MCP_PATH, without any OAuth discovery. */
export const OAUTH_MCP_PATH = "/mcp/oauth";
/** RFC 9728 protected resource metadata (at the root, and path-suffixed with OAUTH_MCP_PATH). */
export const PROTECTED_RESOURCE_PATH = "/.well-known/oauth-protected-resource";
/** RFC 8414 authorization server metadata (the façade, path-suffixed with OAUTH_MCP_PATH). */
export const AUTHORIZATION_SERVER_PATH = "/.well-known/oauth-authorization-server";
export const DEFAULT_PORT = 8787;
export const DEFAULT_DATA_DIR = ".thoth";
export const LOCAL_STACK = "local";

/** `thoth-<stack>-<concern>`, the physical name of a stack's resource. */
export function resourceName(stack: string, concern: string): string {
  return `${PROJECT}-${stack}-${concern}`;
}

/** Physical names of a stack's resources; every one carries the stack. */
export function stackNames(stack: string) {
  return {
    mcpFunction: resourceName(stack, "mcp"),
    refreshFunction: resourceName(stack, "refresh"),
    api: resourceName(stack, "api"),
    table: resourceName(stack, "cache"),
    repository: resourceName(stack, "functions"),
    refreshFailures: resourceName(stack, "refresh-failures"),
    schedule: resourceName(stack, "refresh-schedule"),
    alarmTopic: resourceName(stack, "alarms"),
    dashboard: resourceName(stack, "dashboard"),
    userPool: resourceName(stack, "users"),
    apiAccessLogGroup: `/aws/apigateway/${resourceName(stack, "api")}`,
    /** Secrets Manager names: `thoth/<stack>/<secret>`. */
    secret: (name: SecretName) => `${PROJECT}/${stack}/${name}`,
  };
}

/** Where the function images hold the model (functions/Dockerfile). */
export const IMAGE_MODEL_DIR = "/var/task/model";
/** The key prefix of index bundles in a stack's bucket (bundleKeys and the IAM policies both use it). */
export const BUNDLE_PREFIX = "collections/";
/** Where `sampleHandbook: true` uploads examples/handbook in the stack's bucket. */
export const SAMPLE_PREFIX = "samples/handbook/";
/** The alias API Gateway invokes; moving it back is a function rollback. */
export const LIVE_ALIAS = "live";
/** CloudWatch namespace of the refresh job's custom metrics. */
export const METRICS_NAMESPACE = "Thoth";

/** Logical secret names; each adapter maps them to where the value lives (env var, Secrets Manager ARN). */
export const SECRET_NAMES = ["api-keys", "gitlab-token", "sigma-credentials"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
