import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ModelUnavailableError } from "../../core/errors.js";
import type { Embedder, ModelLoad } from "../../core/ports.js";
import { importLayerModule } from "../../lib/layer-modules.js";
import { logger } from "../../lib/logger.js";
import type * as transformers from "@xenova/transformers";

export interface TransformersEmbedderOptions {
  /** Model id, e.g. `Xenova/all-MiniLM-L6-v2`; its files live in `<modelDir>/<modelId>/`. */
  modelId: string;
  /** A transformers.js `localModelPath`: config.json, tokenizer files and onnx/model_quantized.onnx per model. */
  modelDir: string;
  /** Texts per forward pass. */
  batchSize?: number;
}

interface Tokenizer {
  encode(text: string, pair?: string | null, options?: { add_special_tokens?: boolean }): number[];
  model_max_length?: number;
}
type FeatureExtractor = ((
  texts: string[],
  options: { pooling: "mean"; normalize: boolean },
) => Promise<{
  data: Float32Array;
  dims: number[];
}>) & { tokenizer: Tokenizer };

/**
 * Loads the configured model, or explains why search runs in keyword mode (logged once per process and
 * reason: `thoth dev` loads for its first index, then for serving). Never throws.
 */
export async function loadModel(options: {
  modelId: string;
  modelDir?: string | undefined;
}): Promise<ModelLoad> {
  const { modelId, modelDir } = options;
  const started = performance.now();
  try {
    if (!modelDir)
      throw new ModelUnavailableError(`THOTH_MODEL_DIR is not set, so ${modelId} cannot be loaded`);
    const embedder = await loadTransformersEmbedder({ modelId, modelDir });
    const modelLoadMs = Math.round(performance.now() - started);
    logger.info("embedding model loaded", { modelId, dimensions: embedder.dimensions, modelLoadMs });
    return { embedder };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!warnedNoModel.has(`${modelId}\n${reason}`)) {
      warnedNoModel.add(`${modelId}\n${reason}`);
      logger.warn("embedding model unavailable; keyword search only", { modelId, reason });
    }
    return { embedder: null, embedderUnavailableReason: reason };
  }
}
const warnedNoModel = new Set<string>();

/**
 * Loads a sentence-embedding model with transformers.js from a local directory only (never from the network)
 * and returns an Embedder: mean-pooled, L2-normalised vectors. Throws ModelUnavailableError when the files
 * are missing or do not load.
 */
export async function loadTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const modelDir = resolve(options.modelDir);
  if (!existsSync(join(modelDir, options.modelId, "config.json"))) {
    throw new ModelUnavailableError(`no model files for ${options.modelId} under ${modelDir}`);
  }
  // Imported lazily: onnxruntime is heavy, and a keyword-only process never needs it.
  const { env, pipeline } = await importLayerModule<typeof transformers>("@xenova/transformers");
  env.localModelPath = modelDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.useBrowserCache = false;
  let extractor: FeatureExtractor;
  try {
    extractor = (await pipeline("feature-extraction", options.modelId, {
      quantized: true,
      local_files_only: true,
    })) as unknown as FeatureExtractor;
  } catch (cause) {
    throw new ModelUnavailableError(`model ${options.modelId} under ${modelDir} did not load`, { cause });
  }
  const batchSize = options.batchSize ?? 32;
  const probe = await extractor(["dimension probe"], { pooling: "mean", normalize: true });
  const dimensions = probe.dims[probe.dims.length - 1]!;
  const tokenizer = extractor.tokenizer;
  const maxTokens = Math.min(tokenizer.model_max_length ?? 512, 512);

  return {
    modelId: options.modelId,
    dimensions,
    maxTokens,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize);
        const tensor = await extractor(batch, { pooling: "mean", normalize: true });
        for (let j = 0; j < batch.length; j++) {
          out.push(tensor.data.slice(j * dimensions, (j + 1) * dimensions));
        }
      }
      return out;
    },
    countTokens(text) {
      return tokenizer.encode(text, null, { add_special_tokens: false }).length;
    },
  };
}
