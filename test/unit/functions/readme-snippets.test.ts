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
