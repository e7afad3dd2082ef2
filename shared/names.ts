/**
 * Every physical name and environment variable name Thoth uses. Infra and functions both import these, so a
 * name is spelled once. Physical names always carry the stack.
 */

export const PROJECT = "thoth";

/** Environment variables read by the functions and the CLI (the runtime contract). */
export const ENV = {
  stack: "THOTH_STACK",
  dataDir: "THOTH_DATA_DIR",
  modelDir: "THOTH_MODEL_DIR",
  embeddingModel: "THOTH_EMBEDDING_MODEL",
  apiKey: "THOTH_API_KEY",
  gitlabToken: "THOTH_GITLAB_TOKEN",
  sigmaCredentials: "THOTH_SIGMA_CREDENTIALS",
  logLevel: "THOTH_LOG_LEVEL",
  pointerCheckSeconds: "THOTH_POINTER_CHECK_SECONDS",
  port: "PORT",
} as const;

export const DEFAULT_EMBEDDING_MODEL = "Xenova/all-MiniLM-L6-v2";
/** The model id under which `npm run model:tiny` writes the generated test model. */
export const TINY_MODEL_ID = "thoth/tiny";
export const MCP_PATH = "/mcp";
export const DEFAULT_PORT = 8787;
export const DEFAULT_DATA_DIR = ".thoth";
export const LOCAL_STACK = "local";

/** `thoth-<stack>-<concern>`, the physical name of a stack's resource. */
export function resourceName(stack: string, concern: string): string {
  return `${PROJECT}-${stack}-${concern}`;
}

/** Logical secret names; each adapter maps them to where the value lives (env var, Secrets Manager ARN). */
export const SECRET_NAMES = ["api-keys", "gitlab-token", "sigma-credentials"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
