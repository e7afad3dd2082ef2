/**
 * `npm run deployer-policy`: writes infra/deployer-policy.json, the IAM policy that lets a person or the CI
 * role run `pulumi up`, `pulumi destroy` and `thoth refresh --stack` (see infra/deployer-policy.ts). Attach it
 * with `aws iam create-policy --policy-name thoth-deployer --policy-document file://infra/deployer-policy.json`.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { deployerPolicy } from "../infra/deployer-policy.js";

const file = fileURLToPath(new URL("../infra/deployer-policy.json", import.meta.url));
const text = await format(JSON.stringify(deployerPolicy()), {
  ...(await resolveConfig(file)),
  filepath: file,
});
await writeFile(file, text);
console.log(`wrote ${file}`);
