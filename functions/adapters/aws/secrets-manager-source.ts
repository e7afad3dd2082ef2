import { endpoint, region } from "./config.js";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SECRET_CACHE_SECONDS } from "../../../shared/config.js";
import type { SecretName } from "../../../shared/names.js";
import { DependencyUnavailableError } from "../../core/errors.js";
import type { SecretSource } from "../../core/ports.js";

export class SecretUnavailableError extends DependencyUnavailableError {}

/**
 * Secrets from AWS Secrets Manager, by the ARNs the stack put in the environment. Values are cached for
 * `ttlMs` (SECRET_CACHE_SECONDS: a rotated value is picked up within that time) and never logged.
 */
export class SecretsManagerSource implements SecretSource {
  readonly #cache = new Map<SecretName, { value: string | undefined; expires: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly arns: Partial<Record<SecretName, string>>,
    private readonly ttlMs = SECRET_CACHE_SECONDS * 1000,
  ) {}

  async getSecret(name: SecretName): Promise<string | undefined> {
    const cached = this.#cache.get(name);
    if (cached && cached.expires > Date.now()) return cached.value;
    const arn = this.arns[name];
    if (!arn) return undefined;
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      value = out.SecretString ?? (out.SecretBinary ? new TextDecoder().decode(out.SecretBinary) : undefined);
    } catch (error) {
      const code = (error as { name?: string }).name;
      // A secret created without a value yet (set it with put-secret-value) reads as "not set".
      if (code !== "ResourceNotFoundException") {
        throw new SecretUnavailableError(`could not read the ${name} secret (${code ?? "error"})`, {
          cause: error,
        });
      }
    }
    this.#cache.set(name, { value, expires: Date.now() + this.ttlMs });
    return value;
  }
}

export function secretsManagerClient(env: NodeJS.ProcessEnv = process.env): SecretsManagerClient {
  const url = endpoint(env, "SECRETS_MANAGER");
  return new SecretsManagerClient({ ...region(env), ...(url ? { endpoint: url } : {}) });
}
