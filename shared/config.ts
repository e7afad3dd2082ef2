import { z } from "zod";
import {
  BUNDLE_PREFIX,
  DEFAULT_DATA_DIR,
  DEFAULT_EMBEDDING_MODEL,
  LOCAL_STACK,
  SAMPLE_PREFIX,
  type SecretName,
} from "./names.js";
import { OAuthConfigSchema, checkOAuthConfig } from "./oauth-settings.js";

/** A collection name: lowercase, digits and dashes; it becomes part of S3 keys and `thoth://` URIs. */
export const CollectionNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "use lowercase letters, digits and dashes (max 63 chars)");

/** The retention periods CloudWatch Logs accepts (anything else fails at `pulumi up`). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * Lambda allows 4 KB for all of a function's environment variables (names and values). The refresh function's
 * other variables (stack, model, bucket, table, secret ARNs) take well under 1 KB; the rest is THOTH_COLLECTIONS'.
 */
export const COLLECTIONS_ENV_BUDGET_BYTES = 3 * 1024;

/** The bytes THOTH_COLLECTIONS takes in the refresh function's environment. */
export function collectionsEnvironmentBytes(collections: CollectionConfig[]): number {
  return Buffer.byteLength("THOTH_COLLECTIONS") + Buffer.byteLength(JSON.stringify(collections));
}

/**
 * Where people read a folder's or an S3 prefix's documents: `https://handbook.example.com/{path}`, `{path}` being
 * the document's path without its extension and `{file}` the path as it is. Citations then carry that link.
 */
export const UrlTemplateSchema = z
  .string()
  .regex(/\{(path|file)\}/, "put {path} (the path without its extension) or {file} in it")
  .refine((t) => /^https?:\/\/[^/{}\s]+/.test(t), "start it with https:// and a host");

export const SourceConfigSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("local"), path: z.string().min(1), urlTemplate: UrlTemplateSchema.optional() }),
  z.object({
    type: z.literal("gitlab"),
    baseUrl: z.url(),
    projectId: z.string().min(1),
    ref: z.string().min(1).default("main"),
    pathPrefix: z.string().default(""),
  }),
  z.object({ type: z.literal("sigma"), baseUrl: z.url() }),
  z.object({
    type: z.literal("s3"),
    /** Another bucket; without it, a prefix of the stack's own bucket (where the sample handbook is uploaded). */
    bucket: z.string().min(3).optional(),
    prefix: z.string().default(""),
    urlTemplate: UrlTemplateSchema.optional(),
  }),
]);

export const CollectionConfigSchema = z.object({
  name: CollectionNameSchema,
  description: z.string().default(""),
  source: SourceConfigSchema,
});
export type CollectionConfig = z.infer<typeof CollectionConfigSchema>;

/*
 * Rules that both the stack config and the infra components check (components take typed args and refuse
 * invalid ones in their constructors): each is written once, here.
 */
export const RefreshScheduleSchema = z
  .string()
  .regex(/^(rate|cron)\(.+\)$/, "use an EventBridge expression such as rate(1 day) or cron(0 3 * * ? *)");
/** API Gateway gives an integration at most 29 seconds. */
export const McpTimeoutSchema = z
  .number()
  .int()
  .min(1)
  .max(29, "at most 29 seconds (API Gateway's integration timeout)");
export const ThrottleSchema = z
  .object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })
  .refine((t) => t.burstLimit >= t.rateLimit, {
    path: ["burstLimit"],
    message: "must be at least rateLimit",
  });
export const AlarmEmailSchema = z.email("not an email address");
export const SecretRecoveryDaysSchema = z
  .number()
  .int()
  .refine((d) => d === 0 || (d >= 7 && d <= 30), { message: "use 0 (delete at once) or 7 to 30 days" });

/** Throws `<what>[.<field>]: <message>` when `value` breaks `schema` (for component constructors). */
export function assertValid<T>(schema: z.ZodType<T>, value: unknown, what: string): asserts value is T {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? `.${issue.path.join(".")}` : "";
  throw new Error(`${what}${field}: ${issue.message}`);
}

/** Lambda's architectures, and the Docker platform an image for each is built for. */
export const LAMBDA_ARCHITECTURES = ["x86_64", "arm64"] as const;
export type LambdaArchitecture = (typeof LAMBDA_ARCHITECTURES)[number];
export const DOCKER_PLATFORMS: Record<LambdaArchitecture, "linux/amd64" | "linux/arm64"> = {
  x86_64: "linux/amd64",
  arm64: "linux/arm64",
};

const MCP_TMP_MB = 2048;

/**
 * The share of the MCP function's /tmp the bundle cache may fill. hnswlib loads the vector index from the cached
 * file itself; the rest is for one too large to cache, which is loaded through a temporary copy.
 */
export const MCP_CACHE_SHARE = 0.75;

const FunctionSizingSchema = z.object({
  memoryMb: z.number().int().min(128).max(10240),
  timeoutSeconds: z.number().int().min(1).max(900),
});

/** Per-stack configuration, read from `Pulumi.<stack>.yaml` (the `thoth:` namespace). */
export const StackConfigSchema = z
  .object({
    collections: z.array(CollectionConfigSchema).min(1),
    embeddingModel: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
    refreshSchedule: RefreshScheduleSchema.default("rate(1 day)"),
    mcp: FunctionSizingSchema.extend({
      timeoutSeconds: McpTimeoutSchema,
      /**
       * Lambda's /tmp (ephemeral storage, MB): it holds the bundle cache and the copy hnswlib loads the vector
       * index from. 512 MB, Lambda's default, is less than a 130k-chunk bundle with 384-d vectors needs.
       */
      tmpMb: z.number().int().min(512).max(10240).default(MCP_TMP_MB),
    }).default({ memoryMb: 1024, timeoutSeconds: 29, tmpMb: MCP_TMP_MB }),
    // 3008 MB is the most a new account may give a function until AWS raises its quota.
    refresh: FunctionSizingSchema.default({ memoryMb: 3008, timeoutSeconds: 900 }),
    logRetentionDays: z
      .number()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), {
        message: `use one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(14),
    throttle: ThrottleSchema.default({ rateLimit: 20, burstLimit: 40 }),
    corsOrigins: z.array(z.url()).default([]),
    /** A page about this deployment (a wiki page, the team's docs), shown to MCP clients as the server's website. */
    websiteUrl: z.url().optional(),
    alarmEmail: AlarmEmailSchema.optional(),
    protect: z.boolean().default(false),
    /** Upload examples/handbook to `samples/handbook/` of the stack's bucket, for an `s3` collection to read. */
    sampleHandbook: z.boolean().default(false),
    /** Days a deleted secret can be restored; 0 deletes at once (dev: destroy and recreate work). */
    secretRecoveryDays: SecretRecoveryDaysSchema.optional(),
    /** Concurrency reserved for the refresh function; off by default (new accounts cannot reserve any). */
    refreshReservedConcurrency: z.number().int().min(1).optional(),
    /** Per-route API metrics (billed as custom CloudWatch metrics); off by default. */
    detailedRouteMetrics: z.boolean().default(false),
    keepVersions: z.number().int().min(1).max(100).default(5),
    /**
     * The functions' CPU: `arm64` (Graviton, about 20% cheaper, and what an Apple-silicon Mac builds natively) or
     * `x86_64`. Both images are built for it, and their native modules checked against it.
     */
    architecture: z.enum(LAMBDA_ARCHITECTURES).default("x86_64"),
    oauth: OAuthConfigSchema.optional(),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.collections.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["collections", i, "name"],
          message: `duplicate collection "${c.name}"`,
        });
      }
      seen.add(c.name);
      if (c.source.type === "s3" && !c.source.bucket) {
        if (!c.source.prefix || c.source.prefix.startsWith(BUNDLE_PREFIX)) {
          ctx.addIssue({
            code: "custom",
            path: ["collections", i, "source", "prefix"],
            message: `an s3 source without a bucket reads the stack's own bucket: give it a prefix outside ${BUNDLE_PREFIX} (e.g. ${SAMPLE_PREFIX})`,
          });
        }
      }
    });
    if (cfg.oauth) checkOAuthConfig(cfg.oauth, ctx);
    const environmentBytes = collectionsEnvironmentBytes(cfg.collections);
    if (environmentBytes > COLLECTIONS_ENV_BUDGET_BYTES) {
      ctx.addIssue({
        code: "custom",
        path: ["collections"],
        message: `the collections take ${environmentBytes} bytes as THOTH_COLLECTIONS, more than the ${COLLECTIONS_ENV_BUDGET_BYTES} bytes left of Lambda's 4 KB environment: shorten descriptions or split the stack`,
      });
    }
  });
export type StackConfig = z.infer<typeof StackConfigSchema>;

/** Formats zod issues as `key.path: message` lines, prefixed with a namespace such as `thoth:`. */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
        "",
      );
      return `${prefix}${key || "(root)"}: ${issue.message}`;
    })
    .join("\n");
}

/**
 * The environment contract of the functions and the local CLI: every variable Thoth reads is a key here (ENV
 * and the secrets table below derive from it), and code reads the parsed object, not `process.env`.
 */
export const RuntimeEnvSchema = z.object({
  THOTH_STACK: z.string().min(1).default(LOCAL_STACK),
  THOTH_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  THOTH_MODEL_DIR: z.string().min(1).optional(),
  THOTH_EMBEDDING_MODEL: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
  /** Set in AWS: bundles live in this S3 bucket (otherwise in THOTH_DATA_DIR/store). */
  THOTH_BUNDLE_BUCKET: z.string().min(3).optional(),
  /** Set in AWS: the DynamoDB document cache (otherwise THOTH_DATA_DIR/cache). */
  THOTH_CACHE_TABLE: z.string().min(3).optional(),
  THOTH_API_KEYS_SECRET_ARN: z.string().startsWith("arn:").optional(),
  THOTH_GITLAB_TOKEN_SECRET_ARN: z.string().startsWith("arn:").optional(),
  THOTH_SIGMA_CREDENTIALS_SECRET_ARN: z.string().startsWith("arn:").optional(),
  /** The stack's websiteUrl: MCP clients show it beside the server's name. */
  THOTH_WEBSITE_URL: z.url().optional(),
  /**
   * Set in AWS: the browser origins allowed to call (JSON list, the stack's corsOrigins; `[]` allows none).
   * Unset locally, where the dev server admits loopback origins only.
   */
  THOTH_ALLOWED_ORIGINS: z
    .string()
    .transform((value, ctx) => {
      try {
        return z.array(z.string()).parse(JSON.parse(value));
      } catch {
        ctx.addIssue({
          code: "custom",
          message: 'use a JSON list of origins, e.g. ["https://app.example.com"]',
        });
        return z.NEVER;
      }
    })
    .optional(),
  /**
   * The OAuth endpoint's settings (JSON, shared/oauth-settings.ts): the issuer whose tokens are accepted and the
   * groups' collections. Unset: no OAuth endpoint, API keys only.
   */
  THOTH_OAUTH: z.string().min(2).optional(),
  /** Set on the refresh function: the stack's collections (JSON, checked by the refresh job). */
  THOTH_COLLECTIONS: z.string().min(2).optional(),
  /** Set on the refresh function: versions kept after publishing. */
  THOTH_KEEP_VERSIONS: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * How often, at most, the server checks the bundle pointers for a new version. Default: 60 s against S3,
   * 1 s on a local data dir (a new collection indexed beside `thoth dev` shows up at once).
   */
  THOTH_POINTER_CHECK_SECONDS: z.coerce.number().min(0).optional(),
  /** On AWS: the most the /tmp bundle cache holds (MB); least recently used files go first. Default 200. */
  THOTH_CACHE_MB: z.coerce.number().int().min(0).optional(),
  /** From this many chunks on, a refresh builds the keyword index on a worker thread. Default 10,000. */
  THOTH_KEYWORD_WORKER_CHUNKS: z.coerce.number().int().min(0).optional(),
  /** Local runs only: the secret values themselves (in AWS the *_SECRET_ARN variables name the secrets). */
  THOTH_API_KEY: z.string().optional(),
  THOTH_GITLAB_TOKEN: z.string().optional(),
  THOTH_SIGMA_CREDENTIALS: z.string().optional(),
  /** Read by the logger, which keeps its default (and says so) on a value it does not know. */
  THOTH_LOG_LEVEL: z.string().optional(),
  THOTH_LOG_FORMAT: z.string().optional(),
  /** The local server's port (`thoth dev`; the CLI checks it). */
  PORT: z.string().optional(),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;

/** The name of a variable of the environment contract. */
export type EnvName = keyof typeof RuntimeEnvSchema.shape;

/** Every variable name of the contract, as itself (`ENV.THOTH_STACK`): derived from the schema, never re-spelt. */
export const ENV = Object.fromEntries(Object.keys(RuntimeEnvSchema.shape).map((name) => [name, name])) as {
  readonly [K in EnvName]: K;
};

/**
 * Where each secret's value comes from: in AWS the stack puts the secret's ARN in `arn` (and the function reads
 * Secrets Manager); locally `local` holds the value. Composition, the local secret source and the Pulumi
 * secrets component all loop over this one table.
 */
export const SECRET_VARIABLES = {
  "api-keys": { arn: ENV.THOTH_API_KEYS_SECRET_ARN, local: ENV.THOTH_API_KEY },
  "gitlab-token": { arn: ENV.THOTH_GITLAB_TOKEN_SECRET_ARN, local: ENV.THOTH_GITLAB_TOKEN },
  "sigma-credentials": { arn: ENV.THOTH_SIGMA_CREDENTIALS_SECRET_ARN, local: ENV.THOTH_SIGMA_CREDENTIALS },
} as const satisfies Record<SecretName, { arn: EnvName; local: EnvName }>;

/**
 * How long a secret value read from Secrets Manager is reused: a rotated API key is accepted, and a revoked one
 * refused, within this time (the only cache between the secret and the key check).
 */
export const SECRET_CACHE_SECONDS = 60;

/** The stack a process serves, for metrics: the parsed THOTH_STACK, or `local`; never throws. */
export function stackOf(env: Record<string, string | undefined>): string {
  const parsed = RuntimeEnvSchema.shape.THOTH_STACK.safeParse(env.THOTH_STACK || undefined);
  return parsed.success ? parsed.data : LOCAL_STACK;
}

export function parseRuntimeEnv(env: Record<string, string | undefined>): RuntimeEnv {
  const result = RuntimeEnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!result.success) throw new Error(`invalid environment:\n${describeIssues(result.error)}`);
  return result.data;
}
