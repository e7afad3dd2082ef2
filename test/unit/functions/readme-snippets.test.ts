import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_KINDS, clientConfig } from "../../../shared/client-config.js";
import { REPO_ROOT } from "../../helpers/folders.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```(json|sh)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1],
  body: m[2]!.trim(),
}));

describe("README client snippets", () => {
  it.each(CLIENT_KINDS)("shows the %s configuration the tests use", (kind) => {
    const expected = clientConfig(kind, { url: "http://127.0.0.1:8787/mcp", apiKey: "<key>" });
    if (expected.startsWith("{")) {
      const json = blocks.filter((b) => b.lang === "json").map((b) => JSON.parse(b.body) as unknown);
      expect(json).toContainEqual(JSON.parse(expected));
    } else {
      expect(blocks.filter((b) => b.lang === "sh").map((b) => b.body)).toContain(expected);
    }
  });
});

describe("README tool table", () => {
  const golden = JSON.parse(
    readFileSync(join(REPO_ROOT, "test/integration/__golden__/mcp-answers.json"), "utf8"),
  ) as { "tools/list": { tools: { name: string; inputSchema: { properties?: Record<string, unknown> } }[] } };
  const rows = new Map(
    [...readme.matchAll(/^\| `(\w+)`\s*\|([^|]*)\|/gm)].map((m) => [m[1]!, m[2]!] as const),
  );

  it("has a row for every tool the server lists, naming every argument it takes", () => {
    const tools = golden["tools/list"].tools;
    expect(tools.length).toBe(7);
    for (const tool of tools) {
      const row = rows.get(tool.name);
      expect(row, tool.name).toBeDefined();
      const args = Object.keys(tool.inputSchema.properties ?? {});
      expect(
        args.filter((a) => !row!.includes(`\`${a}\``)),
        `${tool.name}: arguments the row leaves out`,
      ).toEqual([]);
      if (!args.length) expect(row!.trim(), tool.name).toBe("none");
    }
  });
});
