import { z } from "zod";
import { DEFAULT_EMBEDDING_MODEL } from "./names.js";

/** A collection name: lowercase, digits and dashes; it becomes part of S3 keys and `thoth://` URIs. */
export const CollectionNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "use lowercase letters, digits and dashes (max 63 chars)");

export const SourceConfigSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("local"), path: z.string().min(1) }),
  z.object({
    type: z.literal("gitlab"),
    baseUrl: z.url(),
    projectId: z.string().min(1),
    ref: z.string().min(1).default("main"),
    pathPrefix: z.string().default(""),
  }),
  z.object({ type: z.literal("sigma"), baseUrl: z.url() }),
  z.object({ type: z.literal("s3"), bucket: z.string().min(3), prefix: z.string().default("") }),
]);
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

export const CollectionConfigSchema = z.object({
  name: CollectionNameSchema,
  description: z.string().default(""),
  source: SourceConfigSchema,
});
export type CollectionConfig = z.infer<typeof CollectionConfigSchema>;

const FunctionSizingSchema = z.object({
  memoryMb: z.number().int().min(128).max(10240),
  timeoutSeconds: z.number().int().min(1).max(900),
});

/** Per-stack configuration, read from `Pulumi.<stack>.yaml` (the `thoth:` namespace). */
export const StackConfigSchema = z
  .object({
    collections: z.array(CollectionConfigSchema).min(1),
    embeddingModel: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
    refreshSchedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, "use an EventBridge expression such as rate(1 day) or cron(0 3 * * ? *)")
      .default("rate(1 day)"),
    // API Gateway gives an integration at most 29 seconds.
    mcp: FunctionSizingSchema.extend({ timeoutSeconds: z.number().int().min(1).max(29) }).default({
      memoryMb: 1024,
      timeoutSeconds: 29,
    }),
    refresh: FunctionSizingSchema.default({ memoryMb: 3008, timeoutSeconds: 900 }),
    logRetentionDays: z.number().int().positive().default(14),
    throttle: z
      .object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })
      .default({ rateLimit: 20, burstLimit: 40 }),
    corsOrigins: z.array(z.url()).default([]),
    alarmEmail: z.email().optional(),
    protect: z.boolean().default(false),
    keepVersions: z.number().int().min(1).max(100).default(5),
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
    });
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

/** The environment contract of the functions and the local CLI (names in shared/names.ts ENV). */
export const RuntimeEnvSchema = z.object({
  THOTH_STACK: z.string().min(1).default("local"),
  THOTH_DATA_DIR: z.string().min(1).default(".thoth"),
  THOTH_MODEL_DIR: z.string().min(1).optional(),
  THOTH_EMBEDDING_MODEL: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
  /** Set in AWS: bundles live in this S3 bucket (otherwise in THOTH_DATA_DIR/store). */
  THOTH_BUNDLE_BUCKET: z.string().min(3).optional(),
  /** Set in AWS: the DynamoDB document cache (otherwise THOTH_DATA_DIR/cache). */
  THOTH_CACHE_TABLE: z.string().min(3).optional(),
  THOTH_API_KEYS_SECRET_ARN: z.string().startsWith("arn:").optional(),
  THOTH_GITLAB_TOKEN_SECRET_ARN: z.string().startsWith("arn:").optional(),
  THOTH_SIGMA_CREDENTIALS_SECRET_ARN: z.string().startsWith("arn:").optional(),
  /** How often, at most, the server checks the bundle pointers for a new version. */
  THOTH_POINTER_CHECK_SECONDS: z.coerce.number().min(0).default(60),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;

export function parseRuntimeEnv(env: Record<string, string | undefined>): RuntimeEnv {
  const result = RuntimeEnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")),
  );
  if (!result.success) throw new Error(`invalid environment:\n${describeIssues(result.error)}`);
  return result.data;
}
