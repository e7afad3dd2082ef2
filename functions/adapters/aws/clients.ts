import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * AWS SDK clients. `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) points them at an emulator; S3 then
 * uses path-style addressing. Checksums only where S3 requires them (emulators reject the newer defaults).
 */
function endpoint(env: NodeJS.ProcessEnv, service: string): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
}

/** The region from `env` when it names one (the CLI passes a stack's region); else the SDK's own chain. */
function region(env: NodeJS.ProcessEnv): { region?: string } {
  const name = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  return name ? { region: name } : {};
}

export function s3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const url = endpoint(env, "S3");
  return new S3Client({
    ...region(env),
    ...(url ? { endpoint: url, forcePathStyle: true } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function dynamoDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  const url = endpoint(env, "DYNAMODB");
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...region(env), ...(url ? { endpoint: url } : {}) }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}

export function secretsManagerClient(env: NodeJS.ProcessEnv = process.env): SecretsManagerClient {
  const url = endpoint(env, "SECRETS_MANAGER");
  return new SecretsManagerClient({ ...region(env), ...(url ? { endpoint: url } : {}) });
}

export function lambdaClient(env: NodeJS.ProcessEnv = process.env): LambdaClient {
  const url = endpoint(env, "LAMBDA");
  return new LambdaClient({ ...region(env), ...(url ? { endpoint: url } : {}) });
}
