import { SECRET_VARIABLES } from "../../../shared/config.js";
import type { SecretName } from "../../../shared/names.js";
import type { SecretSource } from "../../core/ports.js";

/** Secrets from environment variables, for local runs: `THOTH_API_KEY` holds the API keys (comma-separated). */
export class EnvSecretSource implements SecretSource {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async getSecret(name: SecretName): Promise<string | undefined> {
    const value = this.env[SECRET_VARIABLES[name].local];
    return value?.trim() ? value : undefined;
  }
}
