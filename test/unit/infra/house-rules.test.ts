import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/folders.js";

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the rules of the house are lint rules", () => {
  it.each([
    ["shared/x.ts", 'import "../functions/core/bundle.js";', /imports nothing of ours/],
    ["infra/x.ts", 'import "../functions/core/bundle.js";', /never import each other/],
    ["functions/lib/x.ts", 'import "../../infra/policies.js";', /never import infra/],
    ["functions/adapters/local/x.ts", 'import "../../mcp-server/app.js";', /never import handlers/],
    ["functions/core/x.ts", 'import "../lib/logger.js";', /depends on ports only/],
    ["functions/core/x.ts", 'import "@aws-sdk/client-s3";', /core\/ is pure/],
    ["scripts/x.ts", 'import "../test/helpers/folders.js";', /never import tests/],
  ])("%s may not %s", async (file, code, message) => {
    expect((await restricted(file, code)).join("\n")).toMatch(message);
  });

  it("allows what the layering allows", async () => {
    expect(await restricted("functions/core/x.ts", 'import "../../shared/names.js";')).toEqual([]);
    expect(await restricted("infra/x.ts", 'import "../shared/config.js";')).toEqual([]);
    expect(await restricted("test/x.ts", 'import "../scripts/emulators.js";')).toEqual([]);
  });
});
