/**
 * `npm run model:fetch [-- <model id>] [--out <dir>]`: downloads an embedding model from the Hugging Face hub
 * into dist/model/<model id>/ (transformers.js `localModelPath` layout), for `npm run package` to bake into
 * the Lambda layer and the refresh image. Needs internet access; HF_ENDPOINT overrides the hub URL.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_EMBEDDING_MODEL } from "../shared/names.js";

/** What transformers.js loads for a quantized feature-extraction model. */
export const MODEL_FILES = [
  "config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "onnx/model_quantized.onnx",
];

export class ModelFetchError extends Error {
  override name = "ModelFetchError";
}

export async function fetchModel(options: {
  modelId: string;
  outDir: string;
  endpoint?: string;
  timeoutMs?: number;
}): Promise<string[]> {
  const endpoint = (options.endpoint ?? "https://huggingface.co").replace(/\/+$/, "");
  const target = join(options.outDir, ...options.modelId.split("/"));
  const written: string[] = [];
  for (const file of MODEL_FILES) {
    const url = `${endpoint}/${options.modelId}/resolve/main/${file}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
    } catch (error) {
      const reason =
        error instanceof Error
          ? ((error.cause as Error | undefined)?.message ?? error.message)
          : String(error);
      throw new ModelFetchError(
        `could not reach ${endpoint} to download ${options.modelId} (${reason}). model:fetch needs internet access to the Hugging Face hub; set HF_ENDPOINT to use a mirror.`,
      );
    }
    if (!response.ok) {
      throw new ModelFetchError(
        `downloading ${url} failed with HTTP ${response.status}; check the model id "${options.modelId}"`,
      );
    }
    const path = join(target, file);
    await mkdir(dirname(path), { recursive: true });
    // Written under a temporary name and renamed, so an interrupted download never looks complete.
    await writeFile(`${path}.partial`, new Uint8Array(await response.arrayBuffer()));
    await rename(`${path}.partial`, path);
    written.push(path);
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const outDir =
    outIndex >= 0 ? args[outIndex + 1] : join(dirname(fileURLToPath(import.meta.url)), "../dist/model");
  const outValueIndex = outIndex >= 0 ? outIndex + 1 : -1;
  const modelId = args.find((a, i) => !a.startsWith("--") && i !== outValueIndex) ?? DEFAULT_EMBEDDING_MODEL;
  try {
    const files = await fetchModel({
      modelId,
      outDir: resolve(outDir!),
      ...(process.env.HF_ENDPOINT ? { endpoint: process.env.HF_ENDPOINT } : {}),
    });
    console.log(`downloaded ${modelId}: ${files.length} files into ${resolve(outDir!)}`);
  } catch (error) {
    console.error(`model:fetch: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
