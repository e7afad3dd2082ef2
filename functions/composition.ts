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
import { bm25Codec } from "./adapters/keyword/codec.js";
import { DEFAULT_BM25 } from "./adapters/keyword/params.js";
import { minisearchCodec } from "./adapters/keyword/minisearch-codec.js";
import { hnswCodec } from "./adapters/ml/hnsw-vector-index.js";
import { loadTransformersEmbedder } from "./adapters/ml/transformers-embedder.js";
import { KnowledgeBase } from "./core/knowledge-base.js";
import type { DocumentCache, IndexCodecs, ModelLoad, ObjectStore, SecretSource } from "./core/ports.js";
import { logger } from "./lib/logger.js";

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
}

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
    ...indexCodecs(env.THOTH_KEYWORD_WORKER_CHUNKS),
  };
}

/**
 * An adapter made on its first call. For ports whose methods all return promises (DocumentCache,
 * SecretSource): each method awaits the adapter, then calls it.
 */
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

/** The /tmp bundle cache without THOTH_CACHE_MB: room for the vector index copy in a default 512 MB /tmp. */
export const DEFAULT_CACHE_MB = 200;

/** The codecs every writer and reader of bundles uses: hnswlib vectors, the format-2 keyword index, format 1's. */
export function indexCodecs(keywordWorkerFromChunks?: number): Required<IndexCodecs> {
  return {
    vectorCodec: hnswCodec(),
    keywordCodec: bm25Codec(
      DEFAULT_BM25,
      keywordWorkerFromChunks === undefined ? {} : { workerFromChunks: keywordWorkerFromChunks },
    ),
    legacyKeywordCodec: minisearchCodec,
  };
}

/** Each "no model" warning once per process (`thoth dev` loads for its first index, then for serving). */
const warnedNoModel = new Set<string>();
function warnNoModel(modelId: string, reason: string): void {
  if (warnedNoModel.has(`${modelId}\n${reason}`)) return;
  warnedNoModel.add(`${modelId}\n${reason}`);
  logger.warn("embedding model unavailable; keyword search only", { modelId, reason });
}

/** Loads the configured model, or explains why search runs in keyword mode. Never throws. */
export async function loadEmbedder(env: RuntimeEnv): Promise<ModelLoad> {
  const modelId = env.THOTH_EMBEDDING_MODEL;
  if (!env.THOTH_MODEL_DIR) {
    const reason = `THOTH_MODEL_DIR is not set, so ${modelId} cannot be loaded`;
    warnNoModel(modelId, reason);
    return { embedder: null, embedderUnavailableReason: reason };
  }
  try {
    const embedder = await loadTransformersEmbedder({ modelId, modelDir: env.THOTH_MODEL_DIR });
    logger.info("embedding model loaded", { modelId, dimensions: embedder.dimensions });
    return { embedder };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warnNoModel(modelId, reason);
    return { embedder: null, embedderUnavailableReason: reason };
  }
}

/** Loads the model (or not) and every published collection: what a reader of the bundles needs. */
export async function openKnowledgeBase(runtime: Runtime): Promise<KnowledgeBase> {
  const started = performance.now();
  const model = await loadEmbedder(runtime.env);
  const modelLoadMs = Math.round(performance.now() - started);
  const kb = await KnowledgeBase.open({
    store: runtime.store,
    ...model,
    vectorCodec: runtime.vectorCodec,
    keywordCodec: runtime.keywordCodec,
    legacyKeywordCodec: runtime.legacyKeywordCodec,
    pointerCheckSeconds: pointerCheckSeconds(runtime.env),
  });
  logger.info("knowledge base opened", { modelLoadMs, collections: kb.loadTimings() });
  return kb;
}
