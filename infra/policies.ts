import { BUNDLE_PREFIX } from "../shared/names.js";

/**
 * Pure builders of least-privilege IAM policy documents: exact actions on exact ARNs. Components resolve the
 * ARNs and call these; the tests assert on their output directly.
 */

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Listing of the stack's own bucket, shared by readers and writers (same Sid, merged once). It carries no
 * `s3:prefix` condition on purpose: S3 answers a GetObject of a missing key with 404 only when the caller may
 * list the bucket, and that request has no `s3:prefix`, so a prefix-conditioned grant turns every "not there
 * yet" (the first refresh's `current.json`) into 403 AccessDenied. The bucket holds nothing but this stack's
 * bundles and sample sources, so listing all of it reveals nothing more.
 */
function listBundlesStatement(bucketArn: string): PolicyStatement {
  return { Sid: "ListIndexBundles", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn] };
}

export function bundleReadStatements(bucketArn: string): PolicyStatement[] {
  return [
    {
      Sid: "ReadIndexBundles",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${bucketArn}/${BUNDLE_PREFIX}*`],
    },
    listBundlesStatement(bucketArn),
  ];
}

export function bundleWriteStatements(bucketArn: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteIndexBundles",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: [`${bucketArn}/${BUNDLE_PREFIX}*`],
    },
    listBundlesStatement(bucketArn),
  ];
}

export function tableReadStatements(tableArn: string): PolicyStatement[] {
  return [
    {
      Sid: "ReadDocumentCache",
      Effect: "Allow",
      Action: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
      Resource: [tableArn],
    },
  ];
}

export function tableWriteStatements(tableArn: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteDocumentCache",
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
      ],
      Resource: [tableArn],
    },
  ];
}

export function secretReadStatements(sid: string, secretArns: string[]): PolicyStatement[] {
  if (!secretArns.length) return [];
  return [
    { Sid: sid, Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...secretArns] },
  ];
}

export function logWriteStatements(logGroupArn: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [`${logGroupArn}:*`],
    },
  ];
}

/** Read access to a prefix of the stack's own bucket that a collection is indexed from (listing comes with
 * the bundle statements). */
export function ownBucketSourceReadStatements(
  index: number,
  bucketArn: string,
  prefix: string,
): PolicyStatement[] {
  return [
    {
      Sid: `ReadSource${index}Objects`,
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${bucketArn}/${prefix}*`],
    },
  ];
}

export function queueSendStatements(sid: string, queueArn: string): PolicyStatement[] {
  return [{ Sid: sid, Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queueArn] }];
}

/** Read access to an S3 prefix of another bucket that a collection is indexed from. */
export function sourceBucketReadStatements(index: number, bucket: string, prefix: string): PolicyStatement[] {
  const arn = `arn:aws:s3:::${bucket}`;
  return [
    {
      Sid: `ReadSource${index}Objects`,
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`${arn}/${prefix}*`],
    },
    {
      Sid: `ListSource${index}Objects`,
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [arn],
      Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
    },
  ];
}

export function lambdaAssumeRolePolicy(): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  };
}

/**
 * Throws when a document grants a wildcard action or a wildcard resource. (Thoth needs no action that AWS
 * authorises only on "*": metrics go out in Embedded Metric Format through the function's own log group.)
 */
export function assertLeastPrivilege(document: PolicyDocument): void {
  for (const statement of document.Statement) {
    for (const action of statement.Action) {
      if (action.includes("*"))
        throw new Error(`statement ${statement.Sid} grants the wildcard action ${action}`);
    }
    if (statement.Resource.some((r) => r === "*")) {
      throw new Error(`statement ${statement.Sid} grants ${statement.Action.join(", ")} on every resource`);
    }
  }
}

/** Merges statements, keeping Sids unique (later duplicates with equal content are dropped). */
export function mergeStatements(statements: PolicyStatement[]): PolicyStatement[] {
  const bySid = new Map<string, PolicyStatement>();
  for (const statement of statements) {
    const existing = bySid.get(statement.Sid);
    if (!existing) bySid.set(statement.Sid, statement);
    else if (JSON.stringify(existing) !== JSON.stringify(statement)) {
      bySid.set(`${statement.Sid}${bySid.size}`, { ...statement, Sid: `${statement.Sid}${bySid.size}` });
    }
  }
  return [...bySid.values()];
}
