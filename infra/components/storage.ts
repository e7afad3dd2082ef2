import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../../shared/config.js";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Link } from "../link.js";
import {
  bundleReadStatements,
  bundleWriteStatements,
  ownBucketSourceReadStatements,
  tableReadStatements,
  tableWriteStatements,
} from "../policies.js";

export interface StorageArgs {
  /** Physical table name (from shared/names.ts). */
  tableName: string;
  /** Prod: point-in-time recovery, deletion protection, and Pulumi `protect` on the bucket and table. */
  protect: boolean;
  /** Days a replaced or deleted bundle object is kept as a noncurrent version. Default 30. */
  noncurrentVersionDays?: number;
  tags?: Record<string, string>;
}

/** The index bucket (versioned, encrypted, private, TLS-only) and the document-cache table. */
export class Storage extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly table: aws.dynamodb.Table;
  private readonly tags: Record<string, string> | undefined;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:Storage", name, {}, opts);
    if (args.noncurrentVersionDays !== undefined && args.noncurrentVersionDays < 1) {
      throw new Error("Storage: noncurrentVersionDays must be at least 1");
    }
    const parent = { parent: this };
    const data = { parent: this, protect: args.protect };
    this.tags = args.tags;

    this.bucket = new aws.s3.Bucket(
      `${name}-bundles`,
      { forceDestroy: !args.protect, tags: args.tags },
      data,
    );
    new aws.s3.BucketVersioning(
      `${name}-bundles-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-bundles-encryption`,
      {
        bucket: this.bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
      },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-bundles-public-access`,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-bundles-tls-only`,
      {
        bucket: this.bucket.id,
        policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-bundles-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );

    this.table = new aws.dynamodb.Table(
      `${name}-cache`,
      {
        name: args.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "sk",
        attributes: [
          { name: "pk", type: "S" },
          { name: "sk", type: "S" },
        ],
        ttl: { attributeName: "expiresAt", enabled: true },
        pointInTimeRecovery: { enabled: args.protect },
        deletionProtectionEnabled: args.protect,
        serverSideEncryption: { enabled: true },
        tags: args.tags,
      },
      data,
    );
    this.registerOutputs({ bucketName: this.bucket.bucket, tableName: this.table.name });
  }

  /** For the MCP function: read bundles and the cache. */
  readLink(): Link {
    return {
      env: { [ENV.THOTH_BUNDLE_BUCKET]: this.bucket.bucket, [ENV.THOTH_CACHE_TABLE]: this.table.name },
      statements: pulumi
        .all([this.bucket.arn, this.table.arn])
        .apply(([bucket, table]) => [...bundleReadStatements(bucket), ...tableReadStatements(table)]),
    };
  }

  /**
   * For the refresh function: publish bundles, write the cache and run log, and read the `sourcePrefixes` of
   * this bucket that collections are indexed from.
   */
  writeLink(sourcePrefixes: string[] = []): Link {
    return {
      env: { [ENV.THOTH_BUNDLE_BUCKET]: this.bucket.bucket, [ENV.THOTH_CACHE_TABLE]: this.table.name },
      statements: pulumi
        .all([this.bucket.arn, this.table.arn])
        .apply(([bucket, table]) => [
          ...bundleWriteStatements(bucket),
          ...tableWriteStatements(table),
          ...sourcePrefixes.flatMap((prefix, i) => ownBucketSourceReadStatements(i, bucket, prefix)),
        ]),
    };
  }

  /** Uploads every file under `folder` to `prefix` in the bucket (the sample handbook), one object each. */
  uploadFolder(name: string, prefix: string, folder: string): aws.s3.BucketObjectv2[] {
    const files = readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
    if (!files.length) throw new Error(`Storage: ${folder} has no file to upload`);
    return files.map((file) => {
      const key = `${prefix}${relative(folder, file).split("\\").join("/")}`;
      return new aws.s3.BucketObjectv2(
        `${name}-${key.replace(/[^a-zA-Z0-9-]/g, "-")}`,
        { bucket: this.bucket.id, key, source: new pulumi.asset.FileAsset(file), tags: this.tags },
        { parent: this },
      );
    });
  }
}

export function tlsOnlyBucketPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
