import { ENV, type SecretName } from "../../../shared/names.js";
import type { SecretSource } from "../../core/ports.js";

const VARIABLES: Record<SecretName, string> = {
  "api-keys": ENV.apiKey,
  "gitlab-token": ENV.gitlabToken,
  "sigma-credentials": ENV.sigmaCredentials,
};

/** Secrets from environment variables, for local runs: `THOTH_API_KEY` holds the API keys (comma-separated). */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async getSecret(name: SecretName): Promise<string | undefined> {
    const value = this.env[VARIABLES[name]];
    return value?.trim() ? value : undefined;
  }
}
