import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTransformersEmbedder } from "../../functions/adapters/ml/transformers-embedder.js";
import { ModelUnavailableError } from "../../functions/core/errors.js";
import type { Embedder } from "../../functions/core/ports.js";
import { TINY_MODEL_DIMENSIONS, writeTinyModel } from "../../scripts/tiny-model.js";
import { tempDir } from "../helpers/folders.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("transformers.js embedder on the generated tiny model", () => {
  let embedder: Embedder;

  beforeAll(async () => {
    embedder = await loadTransformersEmbedder({
      modelDir: await tinyModelDir(),
      modelId: "thoth/tiny",
      batchSize: 4,
    });
  });

  it("reports the model id, dimensions and token limit", () => {
    expect(embedder.modelId).toBe("thoth/tiny");
    expect(embedder.dimensions).toBe(TINY_MODEL_DIMENSIONS);
    expect(embedder.maxTokens).toBe(512);
  });

  it("returns unit-length vectors, one per text, across batches", async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `deploy number ${i} to production`);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(10);
    for (const v of vectors) {
      expect(v).toHaveLength(TINY_MODEL_DIMENSIONS);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    // Batching does not change a text's vector.
    const [alone] = await embedder.embed([texts[7]!]);
    expect(cosine(alone!, vectors[7]!)).toBeCloseTo(1, 5);
  });

  it("places related sentences closer than unrelated ones", async () => {
    const [rollback, release, expenses] = await embedder.embed([
      "How do I roll back a bad deployment?",
      "Revert the release to the previous rollout",
      "Reimbursement of travel expenses and receipts",
    ]);
    expect(cosine(rollback!, release!)).toBeGreaterThan(cosine(rollback!, expenses!) + 0.2);
  });

  it("counts tokens with the model's own tokenizer", () => {
    expect(embedder.countTokens("deploy")).toBe(1);
    expect(embedder.countTokens("deploy the release")).toBe(3);
    // Unknown words become WordPiece characters, not [UNK].
    expect(embedder.countTokens("zq")).toBe(2);
  });

  it("fails with ModelUnavailableError when the model directory is empty", async () => {
    const empty = await tempDir();
    await expect(loadTransformersEmbedder({ modelDir: empty, modelId: "thoth/tiny" })).rejects.toThrow(
      ModelUnavailableError,
    );
  });

  it("fails with ModelUnavailableError when the ONNX graph is corrupt", async () => {
    const dir = await tempDir();
    const modelDir = await writeTinyModel(dir);
    await writeFile(join(modelDir, "onnx", "model_quantized.onnx"), "not an onnx graph");
    await rm(join(modelDir, "onnx", "model.onnx"));
    await expect(loadTransformersEmbedder({ modelDir: dir, modelId: "thoth/tiny" })).rejects.toThrow(
      /did not load/,
    );
  });
});
