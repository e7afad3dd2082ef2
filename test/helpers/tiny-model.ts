import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTinyModel } from "../../scripts/tiny-model.js";

/** Writes the generated tiny model into a fresh temp dir; returns the dir to use as THOTH_MODEL_DIR. */
export async function tinyModelDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "thoth-model-"));
  await writeTinyModel(dir);
  return dir;
}
