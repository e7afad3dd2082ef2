import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { clientKey, parseApiKeyEntries } from "../../shared/api-keys.js";
import { SECRET_VARIABLES, SecretRecoveryDaysSchema, assertValid } from "../../shared/config.js";
import { type SecretName } from "../../shared/names.js";
import type { Link } from "../link.js";
import { secretReadStatements } from "../policies.js";

export interface SecretsArgs {
  /** Secrets Manager name of each secret (from shared/names.ts). */
  secretName: (name: SecretName) => string;
  /** API keys (comma-separated or a JSON list); one is generated when none is configured. */
  apiKeys?: pulumi.Input<string>;
  /** Create the GitLab token secret (a collection reads GitLab); its value may be set later. */
  gitlab: boolean;
  gitlabToken?: pulumi.Input<string>;
  /** Create the Sigma credentials secret (a collection reads Sigma); its value may be set later. */
  sigma: boolean;
  /** JSON `{"clientId": …, "clientSecret": …}`. */
  sigmaCredentials?: pulumi.Input<string>;
  /** Days Secrets Manager waits before deleting a removed secret (7–30). Prod should keep 30. */
  recoveryWindowInDays: number;
  tags?: Record<string, string>;
}

/**
 * The stack's secrets. Values come from `pulumi config set --secret`; functions get only the ARNs and read the
 * values at run time. A secret whose value is not configured is created empty, to be set with
 * `aws secretsmanager put-secret-value`.
 */
export class Secrets extends pulumi.ComponentResource {
  readonly apiKeys: aws.secretsmanager.Secret;
  readonly gitlabToken?: aws.secretsmanager.Secret;
  readonly sigmaCredentials?: aws.secretsmanager.Secret;
  /** The first API key (configured or generated), for client configuration outputs. Secret. */
  readonly clientApiKey: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:Secrets", name, {}, opts);
    assertValid(SecretRecoveryDaysSchema, args.recoveryWindowInDays, "Secrets: recoveryWindowInDays");
    if (args.gitlabToken !== undefined && !args.gitlab)
      throw new Error("Secrets: gitlabToken is set but no collection reads GitLab");
    if (args.sigmaCredentials !== undefined && !args.sigma)
      throw new Error("Secrets: sigmaCredentials is set but no collection reads Sigma");
    const parent = { parent: this };

    const apiKeys =
      args.apiKeys !== undefined
        ? pulumi.secret(pulumi.output(args.apiKeys))
        : new random.RandomPassword(`${name}-api-key`, { length: 40, special: false }, parent).result;
    this.clientApiKey = pulumi.secret(
      apiKeys.apply((value) => {
        const first = clientKey(parseApiKeyEntries(value, "thoth:apiKeys"));
        if (!first) throw new Error("thoth:apiKeys is set but holds no key");
        return first;
      }),
    );
    this.apiKeys = this.#secret(name, "api-keys", args, apiKeys);
    if (args.gitlab) this.gitlabToken = this.#secret(name, "gitlab-token", args, args.gitlabToken);
    if (args.sigma)
      this.sigmaCredentials = this.#secret(name, "sigma-credentials", args, args.sigmaCredentials);
    this.registerOutputs({ apiKeysSecretName: this.apiKeys.name });
  }

  #secret(
    name: string,
    secret: SecretName,
    args: SecretsArgs,
    value: pulumi.Input<string> | undefined,
  ): aws.secretsmanager.Secret {
    const resource = new aws.secretsmanager.Secret(
      `${name}-${secret}`,
      { name: args.secretName(secret), recoveryWindowInDays: args.recoveryWindowInDays, tags: args.tags },
      { parent: this },
    );
    if (value !== undefined) {
      new aws.secretsmanager.SecretVersion(
        `${name}-${secret}-value`,
        { secretId: resource.id, secretString: pulumi.secret(value) },
        { parent: this },
      );
    }
    return resource;
  }

  /** For the MCP function: read the API keys. */
  apiKeysLink(): Link {
    return {
      env: { [SECRET_VARIABLES["api-keys"].arn]: this.apiKeys.arn },
      statements: this.apiKeys.arn.apply((arn) => secretReadStatements("ReadApiKeys", [arn])),
    };
  }

  /** For the refresh function: read the source credentials that exist. */
  sourceCredentialsLink(): Link {
    const sources = { "gitlab-token": this.gitlabToken, "sigma-credentials": this.sigmaCredentials } as const;
    const env: Record<string, pulumi.Input<string>> = {};
    const arns: pulumi.Output<string>[] = [];
    for (const [name, secret] of Object.entries(sources) as [
      keyof typeof sources,
      aws.secretsmanager.Secret | undefined,
    ][]) {
      if (!secret) continue;
      env[SECRET_VARIABLES[name].arn] = secret.arn;
      arns.push(secret.arn);
    }
    return {
      env,
      statements: pulumi.all(arns).apply((list) => secretReadStatements("ReadSourceCredentials", list)),
    };
  }
}
