/** `npm run model:tiny -- <dir>`: writes the generated test model into <dir> under the id thoth/tiny. */
import { resolve } from "node:path";
import { TINY_MODEL_ID } from "../shared/names.js";
import { writeTinyModel } from "./tiny-model.js";

const target = process.argv[2];
if (!target) {
  console.error("usage: npm run model:tiny -- <dir>");
  process.exit(2);
}
const modelDir = await writeTinyModel(resolve(target));
console.log(`wrote ${TINY_MODEL_ID} to ${modelDir}`);
console.log(`use it with: THOTH_MODEL_DIR=${resolve(target)} THOTH_EMBEDDING_MODEL=${TINY_MODEL_ID}`);
