/**
 * Chooses the adapters for this process from its environment: the one place that knows which concrete
 * ObjectStore, DocumentCache, SecretSource and Embedder a handler or the CLI gets. In AWS the stack sets the
 * bucket, table and secret ARNs; locally everything lives under THOTH_DATA_DIR.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECRET_VARIABLES, type RuntimeEnv } from "../shared/config.js";
import { SECRET_NAMES, type SecretName } from "../shared/names.js";
import { EnvSecretSource } from "./adapters/local/env-secret-source.js";
import { FileDocumentCache } from "./adapters/local/file-document-cache.js";
import { FsObjectStore } from "./adapters/local/fs-object-store.js";
import { indexCodecs } from "./adapters/index-codecs.js";
import { loadModel } from "./adapters/ml/transformers-embedder.js";
import type { DocumentCache, IndexCodecs, ModelLoad, ObjectStore, SecretSource } from "./core/ports.js";

/** The adapters this process uses, chosen from its environment, and the index codecs. */
export interface Runtime extends Required<IndexCodecs> {
  env: RuntimeEnv;
  store: ObjectStore;
  cache: DocumentCache;
  secrets: SecretSource;
  /** Another S3 bucket as an ObjectStore (for `s3` sources). */
  bucket: (name: string) => Promise<ObjectStore>;
  /** The stack's own bucket, uncached (for `s3` sources without a bucket, such as the sample handbook). */
  ownBucket: () => Promise<ObjectStore>;
  /** How often a server reads the bundle pointers: S3 costs a request each time, a local disk almost nothing. */
  pointerCheckSeconds: number;
}

/**
 * A runtime with the model its environment names, loaded once (or none, with the reason): what a refresh run
 * (a RefreshKit and its SourceDeps) and a reader of bundles (KnowledgeBase.open) take as they are.
 */
export type ModelRuntime = Runtime & ModelLoad;

/**
 * The runtime for `env`. AWS SDK clients and adapters are imported only when the environment names the AWS
 * resource, and the DynamoDB and Secrets Manager ones only on first use: a laptop loads no AWS SDK at all, and
 * the MCP Lambda, which never writes run records, never loads DynamoDB's.
 */
export async function createRuntime(
  env: RuntimeEnv,
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<Runtime> {
  const arns: Partial<Record<SecretName, string>> = Object.fromEntries(
    SECRET_NAMES.flatMap((name) => {
      const arn = env[SECRET_VARIABLES[name].arn];
      return arn ? [[name, arn]] : [];
    }),
  );
  const s3 = () => import("./adapters/aws/s3-object-store.js");
  const bucket = async (name: string) => {
    const { S3ObjectStore, s3Client } = await s3();
    return new S3ObjectStore(s3Client(processEnv), name);
  };
  let store: ObjectStore;
  if (env.THOTH_BUNDLE_BUCKET) {
    const { CachedObjectStore } = await import("./adapters/aws/cached-object-store.js");
    // Lambda's default /tmp is 512 MB; the stack gives the MCP function more and says how much to use.
    const cacheMb = env.THOTH_CACHE_MB ?? DEFAULT_CACHE_MB;
    store = new CachedObjectStore(
      await bucket(env.THOTH_BUNDLE_BUCKET),
      join(tmpdir(), "thoth-bundles"),
      cacheMb * 1024 * 1024,
    );
  } else {
    store = new FsObjectStore(join(env.THOTH_DATA_DIR, "store"));
  }
  const table = env.THOTH_CACHE_TABLE;
  return {
    env,
    store,
    cache: table
      ? onFirstUse<DocumentCache>(async () => {
          const { DynamoDocumentCache, dynamoDocumentClient } =
            await import("./adapters/aws/dynamo-document-cache.js");
          return new DynamoDocumentCache(dynamoDocumentClient(processEnv), table);
        })
      : new FileDocumentCache(join(env.THOTH_DATA_DIR, "cache")),
    secrets: Object.keys(arns).length
      ? onFirstUse<SecretSource>(async () => {
          const { SecretsManagerSource, secretsManagerClient } =
            await import("./adapters/aws/secrets-manager-source.js");
          return new SecretsManagerSource(secretsManagerClient(processEnv), arns);
        })
      : new EnvSecretSource(processEnv),
    bucket,
    ownBucket: async () => (env.THOTH_BUNDLE_BUCKET ? bucket(env.THOTH_BUNDLE_BUCKET) : store),
    pointerCheckSeconds: pointerCheckSeconds(env),
    ...indexCodecs(env.THOTH_KEYWORD_WORKER_CHUNKS),
  };
}

/**
 * createRuntime, with the model's load to come: it starts when first awaited (a search that needs the model, the
 * whole load of a version, which checks its vectors against the model, or a caller awaiting it), so a server's
 * first keyword answer does not share the CPU with it. KnowledgeBase.open takes the promise; it never rejects
 * for want of a model.
 */
export async function createServerRuntime(
  env: RuntimeEnv,
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<Runtime & { model: OnDemand<ModelLoad> }> {
  const runtime = await createRuntime(env, processEnv);
  return {
    ...runtime,
    model: onDemand(() => loadModel({ modelId: env.THOTH_EMBEDDING_MODEL, modelDir: env.THOTH_MODEL_DIR })),
  };
}

/** createRuntime, plus the model (THOTH_EMBEDDING_MODEL from THOTH_MODEL_DIR). Never fails for want of a model. */
export async function createModelRuntime(
  env: RuntimeEnv,
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<ModelRuntime> {
  const { model, ...runtime } = await createServerRuntime(env, processEnv);
  return { ...runtime, ...(await model) };
}

/**
 * An adapter made on its first call. For ports whose methods all return promises (DocumentCache,
 * SecretSource): each method awaits the adapter, then calls it.
 */
/** A promise whose work starts when it is first awaited; `peek` gives its value once settled (or undefined). */
export type OnDemand<T> = Promise<T> & { peek(): T | undefined };

export function onDemand<T>(start: () => Promise<T>): OnDemand<T> {
  let started: Promise<T> | undefined;
  let value: T | undefined;
  const run = () =>
    (started ??= start().then((v) => {
      value = v;
      return v;
    }));
  return {
    then: (onFulfilled, onRejected) => run().then(onFulfilled, onRejected),
    catch: (onRejected) => run().catch(onRejected),
    finally: (onFinally) => run().finally(onFinally),
    [Symbol.toStringTag]: "Promise",
    peek: () => value,
  } as OnDemand<T>;
}

function onFirstUse<T extends object>(make: () => Promise<T>): T {
  let made: Promise<T> | undefined;
  return new Proxy({} as T, {
    get: (_, method) => {
      return async (...args: unknown[]) => {
        const target = await (made ??= make());
        const fn = (target as Record<string | symbol, unknown>)[method];
        if (typeof fn !== "function") throw new TypeError(`${String(method)} is not a method of the adapter`);
        return (fn as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** How often a server reads the bundle pointers: S3 costs a request each time, a local disk almost nothing. */
export function pointerCheckSeconds(env: RuntimeEnv): number {
  return env.THOTH_POINTER_CHECK_SECONDS ?? (env.THOTH_BUNDLE_BUCKET ? 60 : LOCAL_POINTER_CHECK_SECONDS);
}
export const LOCAL_POINTER_CHECK_SECONDS = 1;

/**
 * The /tmp bundle cache without THOTH_CACHE_MB: in a default 512 MB /tmp, room beside it for a vector index
 * too large to cache, which is loaded through a temporary copy.
 */
export const DEFAULT_CACHE_MB = 200;
