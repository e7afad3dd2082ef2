/**
 * Generates a tiny BERT-style sentence-embedding model that transformers.js loads like any Hugging Face
 * model: a WordPiece tokenizer.json and an ONNX graph (Gather → MatMul → × attention mask). Words of one
 * topic share a direction and stopwords are shrunk, so mean-pooled similarities are sensible enough to test
 * semantic search offline. It is deterministic: the same files every run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { TINY_MODEL_ID } from "../shared/names.js";
import { EXTRA_WORDS, STOPWORDS, TOPIC_GROUPS } from "./tiny-model-words.js";

const { onnx } = onnxProto;

export const TINY_MODEL_DIMENSIONS = 64;
const SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/** A small seeded PRNG, so generated models and corpora are the same every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussianVector(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const u = Math.max(rand(), 1e-12);
    v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return v;
}

function scaled(v: Float32Array, length: number): Float32Array {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => (x / norm) * length);
}

/** The vocabulary in id order, and one embedding row per token. */
export function buildTinyVocabulary(dim = TINY_MODEL_DIMENSIONS): { vocab: string[]; rows: Float32Array[] } {
  const rand = mulberry32(0x7407);
  const vocab: string[] = [];
  const rows: Float32Array[] = [];
  const seen = new Set<string>();
  const add = (token: string, row: Float32Array) => {
    if (seen.has(token)) return;
    seen.add(token);
    vocab.push(token);
    rows.push(row);
  };
  for (const token of SPECIAL) add(token, scaled(gaussianVector(rand, dim), 0.05));
  const chars = [];
  for (let c = 33; c < 127; c++) {
    const ch = String.fromCharCode(c);
    if (ch === ch.toLowerCase()) chars.push(ch);
  }
  for (const ch of chars) add(ch, scaled(gaussianVector(rand, dim), 0.3));
  for (const ch of chars) add(`##${ch}`, scaled(gaussianVector(rand, dim), 0.3));
  for (const word of STOPWORDS) add(word, scaled(gaussianVector(rand, dim), 0.08));
  for (const group of TOPIC_GROUPS) {
    const direction = scaled(gaussianVector(rand, dim), 1);
    for (const word of group) {
      const noise = scaled(gaussianVector(rand, dim), 0.35);
      add(
        word,
        scaled(
          direction.map((x, i) => x + noise[i]!),
          1,
        ),
      );
    }
  }
  for (const word of EXTRA_WORDS) add(word, scaled(gaussianVector(rand, dim), 0.6));
  return { vocab, rows };
}

function tokenizerJson(vocab: string[]): object {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [ids["[CLS]"]], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [ids["[SEP]"]], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

function valueInfo(
  name: string,
  elemType: number,
  shape: (string | number)[],
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** The ONNX graph: last_hidden_state = (embeddings[input_ids] · W) × attention_mask. */
export function tinyModelOnnx(rows: Float32Array[], dim = TINY_MODEL_DIMENSIONS): Uint8Array {
  const table = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => table.set(row, i * dim));
  const identity = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) identity[i * dim + i] = 1;
  const { INT64, FLOAT } = onnx.TensorProto.DataType;
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: "thoth-tiny-model",
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "thoth_tiny",
      initializer: [
        floatTensor("embeddings", [rows.length, dim], table),
        floatTensor("projection", [dim, dim], identity),
        { name: "unsqueeze_axes", dims: [1], dataType: INT64, int64Data: [2] },
      ],
      node: [
        { opType: "Gather", input: ["embeddings", "input_ids"], output: ["token_vectors"], name: "gather" },
        { opType: "MatMul", input: ["token_vectors", "projection"], output: ["projected"], name: "project" },
        {
          opType: "Cast",
          input: ["attention_mask"],
          output: ["mask_float"],
          name: "cast_mask",
          attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
        },
        {
          opType: "Unsqueeze",
          input: ["mask_float", "unsqueeze_axes"],
          output: ["mask_3d"],
          name: "expand_mask",
        },
        { opType: "Mul", input: ["projected", "mask_3d"], output: ["last_hidden_state"], name: "apply_mask" },
      ],
      input: [
        valueInfo("input_ids", INT64, ["batch", "sequence"]),
        valueInfo("attention_mask", INT64, ["batch", "sequence"]),
        valueInfo("token_type_ids", INT64, ["batch", "sequence"]),
      ],
      output: [valueInfo("last_hidden_state", FLOAT, ["batch", "sequence", dim])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Writes the model in transformers.js `localModelPath` layout: `<dir>/thoth/tiny/{config.json,
 * tokenizer.json, tokenizer_config.json, onnx/model.onnx, onnx/model_quantized.onnx}`. Returns the model's
 * own directory. The benchmarks write a wider one under another id, to embed queries for 384-d bundles.
 */
export async function writeTinyModel(
  dir: string,
  { id = TINY_MODEL_ID, dimensions = TINY_MODEL_DIMENSIONS }: { id?: string; dimensions?: number } = {},
): Promise<string> {
  const { vocab, rows } = buildTinyVocabulary(dimensions);
  const modelDir = join(dir, ...id.split("/"));
  await mkdir(join(modelDir, "onnx"), { recursive: true });
  const graph = tinyModelOnnx(rows, dimensions);
  const json = (value: object) => JSON.stringify(value, null, 2);
  await Promise.all([
    writeFile(
      join(modelDir, "config.json"),
      json({
        model_type: "bert",
        architectures: ["BertModel"],
        hidden_size: dimensions,
        vocab_size: vocab.length,
        max_position_embeddings: 512,
      }),
    ),
    writeFile(join(modelDir, "tokenizer.json"), json(tokenizerJson(vocab))),
    writeFile(
      join(modelDir, "tokenizer_config.json"),
      json({
        tokenizer_class: "BertTokenizer",
        model_max_length: 512,
        do_lower_case: true,
        unk_token: "[UNK]",
        sep_token: "[SEP]",
        pad_token: "[PAD]",
        cls_token: "[CLS]",
        mask_token: "[MASK]",
      }),
    ),
    writeFile(join(modelDir, "onnx", "model.onnx"), graph),
    writeFile(join(modelDir, "onnx", "model_quantized.onnx"), graph),
  ]);
  return modelDir;
}
