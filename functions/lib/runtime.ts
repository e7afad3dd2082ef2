/**
 * Chooses the adapters for this process from its environment: the one place that knows which concrete
 * ObjectStore, SecretSource and Embedder a handler or the CLI gets.
 */
import { join } from "node:path";
import type { RuntimeEnv } from "../../shared/config.js";
import { FsObjectStore } from "../adapters/local/fs-object-store.js";
import { EnvSecretSource } from "../adapters/local/env-secret-source.js";
import { minisearchCodec } from "../adapters/ml/keyword-index.js";
import { hnswCodec } from "../adapters/ml/hnsw-vector-index.js";
import { loadTransformersEmbedder } from "../adapters/ml/transformers-embedder.js";
import { KnowledgeBase } from "../core/knowledge-base.js";
import type {
  Embedder,
  KeywordIndexCodec,
  ObjectStore,
  SecretSource,
  VectorIndexCodec,
} from "../core/ports.js";
import { logger } from "./logger.js";

export interface Runtime {
  env: RuntimeEnv;
  store: ObjectStore;
  secrets: SecretSource;
  vectorCodec: VectorIndexCodec;
  keywordCodec: KeywordIndexCodec;
}

export function createRuntime(env: RuntimeEnv, processEnv: NodeJS.ProcessEnv = process.env): Runtime {
  return {
    env,
    store: new FsObjectStore(join(env.THOTH_DATA_DIR, "store")),
    secrets: new EnvSecretSource(processEnv),
    vectorCodec: hnswCodec(),
    keywordCodec: minisearchCodec,
  };
}

export interface EmbedderLoad {
  embedder: Embedder | null;
  /** Why there is no embedder, when there is none. */
  reason?: string;
}

/** Loads the configured model, or explains why search runs in keyword mode. Never throws. */
export async function loadEmbedder(env: RuntimeEnv): Promise<EmbedderLoad> {
  const modelId = env.THOTH_EMBEDDING_MODEL;
  if (!env.THOTH_MODEL_DIR) {
    const reason = `THOTH_MODEL_DIR is not set, so ${modelId} cannot be loaded`;
    logger.warn("embedding model unavailable; keyword search only", { modelId, reason });
    return { embedder: null, reason };
  }
  try {
    const embedder = await loadTransformersEmbedder({ modelId, modelDir: env.THOTH_MODEL_DIR });
    logger.info("embedding model loaded", { modelId, dimensions: embedder.dimensions });
    return { embedder };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn("embedding model unavailable; keyword search only", { modelId, reason });
    return { embedder: null, reason };
  }
}

/** Loads the model (or not) and every published collection: what a reader of the bundles needs. */
export async function openKnowledgeBase(runtime: Runtime): Promise<KnowledgeBase> {
  const { embedder, reason } = await loadEmbedder(runtime.env);
  return KnowledgeBase.open({
    store: runtime.store,
    embedder,
    ...(reason ? { embedderUnavailableReason: reason } : {}),
    vectorCodec: runtime.vectorCodec,
    keywordCodec: runtime.keywordCodec,
  });
}
