import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The credentials s3rver accepts (dynalite takes any); the SDK only ever talks to local emulators here.
    env: {
      THOTH_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
      AWS_EC2_METADATA_DISABLED: "true",
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // s3rver encrypts its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy
    // provider. Only the test workers (where the emulator runs) get it.
    execArgv: ["--openssl-legacy-provider"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
