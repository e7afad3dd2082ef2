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
    // Hang guards, not performance bounds: ten times and more what a test takes here, so a busy machine (CI's
    // two cores, a laptop building something else) does not fail one on time. No test asserts elapsed time.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // s3rver encrypts its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only has in its legacy
    // provider. Only the test workers (where the emulator runs) get it.
    execArgv: ["--openssl-legacy-provider"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
  },
});
