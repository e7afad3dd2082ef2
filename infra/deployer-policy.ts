/**
 * What the person or CI role that runs `pulumi up` / `pulumi destroy` (and then `thoth refresh --stack`) may
 * do in AWS: each resource type the program declares, mapped to the calls the AWS provider makes to create,
 * read, update, tag and delete it, plus what happens beside those calls (Lambda adds its pull policy to the
 * ECR repository, docker-build pushes the images, API Gateway writes access logs through a log delivery and
 * its service-linked role). `npm run deployer-policy` writes it to infra/deployer-policy.json; the tests run
 * the program for every stack shape and fail when it declares a type this table does not cover, or names a
 * resource outside the statements' ARN patterns.
 *
 * ARNs are scoped to Thoth's names (`thoth-*`, `thoth/*`) in any account and region, so one file fits every
 * stack. Where AWS only grants on `*` (creating a user pool or an HTTP API, log deliveries, ECR login) the
 * statement says so by its Sid. Reads (`Describe*`, `Get*`, `List*`) are granted by wildcard on those ARNs:
 * they change nothing. So are the create, update and delete calls of one kind of thing (`lambda:*Alias`:
 * Create, Update, Delete and GetAlias): listing each would take the policy past IAM's 6,144 characters.
 */
import { PROJECT } from "../shared/names.js";
import { policyDocument, type PolicyDocument, type PolicyStatement } from "./policies.js";

/** The stack bucket's name: Pulumi names it after the logical name `storage-bundles` plus a random suffix. */
export const BUCKET_NAME_PATTERN = "storage-bundles-*";

const fn = `arn:aws:lambda:*:*:function:${PROJECT}-*`;
const role = `arn:aws:iam::*:role/${PROJECT}-*`;

const statements = {
  /** Buckets, their settings and objects (the sample handbook; a `forceDestroy` delete empties the bucket). */
  StackBucket: {
    Action: [
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:GetBucket*",
      "s3:GetAccelerateConfiguration",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:PutBucketTagging",
      "s3:PutBucketVersioning",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:GetObjectTagging",
      "s3:PutObject",
      "s3:PutObjectTagging",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
    ],
    Resource: [`arn:aws:s3:::${BUCKET_NAME_PATTERN}`, `arn:aws:s3:::${BUCKET_NAME_PATTERN}/*`],
  },
  CacheTable: {
    Action: [
      "dynamodb:CreateTable",
      "dynamodb:UpdateTable",
      "dynamodb:DeleteTable",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTimeToLive",
      "dynamodb:Describe*",
      "dynamodb:ListTagsOfResource",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
    ],
    Resource: [`arn:aws:dynamodb:*:*:table/${PROJECT}-*`],
  },
  /** The repository, its lifecycle rule, the pull policy Lambda adds when a function uses an image, and the
   * pushes of docker-build (the previous image is its build cache, so it pulls too). */
  ImageRepository: {
    Action: [
      "ecr:CreateRepository",
      "ecr:DeleteRepository",
      "ecr:PutImageScanningConfiguration",
      "ecr:PutImageTagMutability",
      "ecr:TagResource",
      "ecr:UntagResource",
      "ecr:PutLifecyclePolicy",
      "ecr:DeleteLifecyclePolicy",
      "ecr:SetRepositoryPolicy",
      "ecr:BatchCheckLayerAvailability",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
      "ecr:BatchGetImage",
      "ecr:Describe*",
      "ecr:Get*",
      "ecr:List*",
    ],
    Resource: [`arn:aws:ecr:*:*:repository/${PROJECT}-*`],
  },
  /** The registry login (docker-build's push credentials): ECR grants it on `*` only. */
  RegistryLoginAnyResource: { Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
  /** The functions' execution roles and their inline policies. */
  FunctionRoles: {
    Action: [
      "iam:CreateRole",
      "iam:GetRole",
      "iam:DeleteRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:PutRolePolicy",
      "iam:GetRolePolicy",
      "iam:DeleteRolePolicy",
    ],
    Resource: [role],
  },
  /** Only Thoth's roles, and only to Lambda. */
  PassFunctionRoles: {
    Action: ["iam:PassRole"],
    Resource: [role],
    Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
  },
  /** API Gateway's own role, which it creates the first time an account's API writes access logs. */
  ApiGatewayServiceLinkedRole: {
    Action: ["iam:CreateServiceLinkedRole"],
    Resource: [
      "arn:aws:iam::*:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway",
    ],
    Condition: { StringEquals: { "iam:AWSServiceName": "ops.apigateway.amazonaws.com" } },
  },
  /** Functions, their published versions, the live alias, async settings and who may invoke them. */
  Functions: {
    Action: [
      "lambda:CreateFunction",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:DeleteFunction",
      "lambda:PublishVersion",
      "lambda:*FunctionConcurrency",
      "lambda:*Alias",
      "lambda:*FunctionEventInvokeConfig",
      "lambda:*Permission",
      "lambda:TagResource",
      "lambda:UntagResource",
      "lambda:Get*",
      "lambda:List*",
    ],
    Resource: [fn, `${fn}:*`],
  },
  /** `thoth refresh --stack` (and the deploy workflow's first refresh) invokes the refresh function. */
  RunRefresh: { Action: ["lambda:InvokeFunction"], Resource: [`${fn}-refresh`] },
  LogGroups: {
    Action: [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:List*",
      "logs:TagResource",
      "logs:UntagResource",
      "logs:TagLogGroup",
      "logs:UntagLogGroup",
    ],
    Resource: [
      `arn:aws:logs:*:*:log-group:/aws/lambda/${PROJECT}-*`,
      `arn:aws:logs:*:*:log-group:/aws/apigateway/${PROJECT}-*`,
    ],
  },
  /** Listing log groups, and the log delivery behind an HTTP API stage's access logs: granted on `*` only. */
  LogDeliveryAnyResource: {
    Action: [
      "logs:DescribeLogGroups",
      "logs:*LogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
    ],
    Resource: ["*"],
  },
  /** HTTP APIs, stages, integrations, routes and their tags: IAM names them by path; ids are not known
   * before they exist. */
  HttpApi: {
    Action: ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
    Resource: [
      "arn:aws:apigateway:*::/apis",
      "arn:aws:apigateway:*::/apis/*",
      "arn:aws:apigateway:*::/tags/*",
    ],
  },
  Schedule: {
    Action: [
      "events:*Rule",
      "events:*Targets",
      "events:Describe*",
      "events:List*",
      "events:TagResource",
      "events:UntagResource",
    ],
    Resource: [`arn:aws:events:*:*:rule/${PROJECT}-*`],
  },
  FailureQueue: {
    Action: [
      "sqs:CreateQueue",
      "sqs:DeleteQueue",
      "sqs:SetQueueAttributes",
      "sqs:Get*",
      "sqs:List*",
      "sqs:TagQueue",
      "sqs:UntagQueue",
    ],
    Resource: [`arn:aws:sqs:*:*:${PROJECT}-*`],
  },
  /** The alarm topic and its e-mail subscription (a subscription's ARN extends the topic's). */
  AlarmTopic: {
    Action: [
      "sns:CreateTopic",
      "sns:DeleteTopic",
      "sns:SetTopicAttributes",
      "sns:TagResource",
      "sns:UntagResource",
      "sns:Subscribe",
      "sns:Unsubscribe",
      "sns:SetSubscriptionAttributes",
      "sns:Get*",
      "sns:List*",
    ],
    Resource: [`arn:aws:sns:*:*:${PROJECT}-*`],
  },
  Alarms: {
    Action: [
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:Describe*",
      "cloudwatch:List*",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ],
    Resource: [`arn:aws:cloudwatch:*:*:alarm:${PROJECT}-*`],
  },
  Dashboard: {
    Action: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
    Resource: [`arn:aws:cloudwatch::*:dashboard/${PROJECT}-*`],
  },
  /** The API keys and source credentials (`thoth/<stack>/<secret>`). */
  Secrets: {
    Action: [
      "secretsmanager:CreateSecret",
      "secretsmanager:UpdateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:TagResource",
      "secretsmanager:UntagResource",
      "secretsmanager:PutSecretValue",
      "secretsmanager:UpdateSecretVersionStage",
      "secretsmanager:Describe*",
      "secretsmanager:Get*",
      "secretsmanager:List*",
    ],
    Resource: [`arn:aws:secretsmanager:*:*:secret:${PROJECT}/*`],
  },
  /** A new user pool's id is not known before it exists: creating one is granted on `*` only. */
  CreateUserPoolAnyResource: { Action: ["cognito-idp:CreateUserPool"], Resource: ["*"] },
  /** The pool, its managed login domain and branding, resource server (scopes), app clients and groups. */
  UserPools: {
    Action: [
      "cognito-idp:*UserPool",
      "cognito-idp:SetUserPoolMfaConfig",
      "cognito-idp:TagResource",
      "cognito-idp:UntagResource",
      "cognito-idp:*UserPoolDomain",
      "cognito-idp:*ManagedLoginBranding",
      "cognito-idp:*ResourceServer",
      "cognito-idp:*UserPoolClient",
      "cognito-idp:CreateGroup",
      "cognito-idp:UpdateGroup",
      "cognito-idp:DeleteGroup",
      "cognito-idp:Describe*",
      "cognito-idp:Get*",
      "cognito-idp:List*",
    ],
    Resource: ["arn:aws:cognito-idp:*:*:userpool/*"],
  },
} satisfies Record<string, Omit<PolicyStatement, "Sid" | "Effect">>;

export type DeployerStatementId = keyof typeof statements;

/**
 * The statements each resource type needs, for every type the program can declare (the tests check this list
 * against the program, both ways). Types that make no AWS call (random strings) map to none.
 */
export const STATEMENTS_BY_RESOURCE_TYPE: Readonly<Record<string, readonly DeployerStatementId[]>> = {
  "aws:s3/bucket:Bucket": ["StackBucket"],
  "aws:s3/bucketVersioning:BucketVersioning": ["StackBucket"],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["StackBucket"],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["StackBucket"],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["StackBucket"],
  "aws:s3/bucketPolicy:BucketPolicy": ["StackBucket"],
  "aws:s3/bucketObjectv2:BucketObjectv2": ["StackBucket"],
  "aws:dynamodb/table:Table": ["CacheTable"],
  "aws:ecr/repository:Repository": ["ImageRepository"],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": ["ImageRepository"],
  "docker-build:index:Image": ["ImageRepository", "RegistryLoginAnyResource"],
  "aws:iam/role:Role": ["FunctionRoles"],
  "aws:iam/rolePolicy:RolePolicy": ["FunctionRoles"],
  "aws:lambda/function:Function": ["Functions", "PassFunctionRoles", "ImageRepository"],
  "aws:lambda/alias:Alias": ["Functions"],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": ["Functions"],
  "aws:lambda/permission:Permission": ["Functions"],
  "aws:cloudwatch/logGroup:LogGroup": ["LogGroups", "LogDeliveryAnyResource"],
  "aws:apigatewayv2/api:Api": ["HttpApi"],
  "aws:apigatewayv2/integration:Integration": ["HttpApi"],
  "aws:apigatewayv2/route:Route": ["HttpApi"],
  "aws:apigatewayv2/stage:Stage": ["HttpApi", "LogDeliveryAnyResource", "ApiGatewayServiceLinkedRole"],
  "aws:cloudwatch/eventRule:EventRule": ["Schedule"],
  "aws:cloudwatch/eventTarget:EventTarget": ["Schedule"],
  "aws:sqs/queue:Queue": ["FailureQueue"],
  "aws:sns/topic:Topic": ["AlarmTopic"],
  "aws:sns/topicSubscription:TopicSubscription": ["AlarmTopic"],
  "aws:cloudwatch/metricAlarm:MetricAlarm": ["Alarms"],
  "aws:cloudwatch/dashboard:Dashboard": ["Dashboard"],
  "aws:secretsmanager/secret:Secret": ["Secrets"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["Secrets"],
  "aws:cognito/userPool:UserPool": ["CreateUserPoolAnyResource", "UserPools"],
  "aws:cognito/userPoolDomain:UserPoolDomain": ["UserPools"],
  "aws:cognito/managedLoginBranding:ManagedLoginBranding": ["UserPools"],
  "aws:cognito/resourceServer:ResourceServer": ["UserPools"],
  "aws:cognito/userPoolClient:UserPoolClient": ["UserPools"],
  "aws:cognito/userGroup:UserGroup": ["UserPools"],
  "random:index/randomString:RandomString": [],
  "random:index/randomPassword:RandomPassword": [],
};

/** Statements needed by a step rather than by a resource type. */
const STEP_STATEMENTS: readonly DeployerStatementId[] = ["RunRefresh"];

export function deployerStatement(sid: DeployerStatementId): PolicyStatement {
  return { Sid: sid, Effect: "Allow", ...statements[sid] };
}

/** The deployer's policy: every statement a declared type or a deploy step needs, in a stable order. */
export function deployerPolicy(): PolicyDocument {
  const needed = new Set<DeployerStatementId>([
    ...Object.values(STATEMENTS_BY_RESOURCE_TYPE).flat(),
    ...STEP_STATEMENTS,
  ]);
  return policyDocument(
    (Object.keys(statements) as DeployerStatementId[])
      .filter((sid) => needed.has(sid))
      .map(deployerStatement),
  );
}

/** The committed file's text. */
export function deployerPolicyJson(): string {
  return `${JSON.stringify(deployerPolicy(), null, 2)}\n`;
}
