import { afterEach, describe, expect, it } from "vitest";
import { readPointer } from "../../functions/core/bundle.js";
import { createRuntime } from "../../functions/lib/runtime.js";
import { handler } from "../../functions/refresh/handler.js";
import { parseCollections } from "../../functions/refresh/run.js";
import { parseRuntimeEnv } from "../../shared/config.js";
import { folderWith, tempDir } from "../helpers/folders.js";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("refresh handler", () => {
  it("refreshes every configured collection; a failing source leaves the others published", async () => {
    const dataDir = await tempDir();
    const docs = await folderWith({ "a.md": "# A\n\nAlpha text." });
    Object.assign(process.env, {
      THOTH_DATA_DIR: dataDir,
      THOTH_COLLECTIONS: JSON.stringify([
        { name: "docs", source: { type: "local", path: docs } },
        { name: "broken", source: { type: "local", path: "/no/such/folder" } },
      ]),
    });
    const result = await handler({});
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => [o.collection, o.ok])).toEqual([
      ["docs", true],
      ["broken", false],
    ]);
    const store = createRuntime(parseRuntimeEnv(process.env)).store;
    expect(await readPointer(store, "docs")).toBeDefined();
    expect(await readPointer(store, "broken")).toBeUndefined();
  });

  it("refreshes only the collections an invoke names, and rejects unknown names", async () => {
    const docs = await folderWith({ "a.md": "# A\n\nText." });
    Object.assign(process.env, {
      THOTH_DATA_DIR: await tempDir(),
      THOTH_COLLECTIONS: JSON.stringify([
        { name: "one", source: { type: "local", path: docs } },
        { name: "two", source: { type: "local", path: docs } },
      ]),
    });
    const result = await handler({ collections: ["two"] });
    expect(result.outcomes.map((o) => o.collection)).toEqual(["two"]);
    await expect(handler({ collections: ["three"] })).rejects.toThrow(
      /unknown collection\(s\) three; configured: one, two/,
    );
  });
});

describe("refresh metrics", () => {
  it("publishes RefreshFailed, ChunksEmbedded and DocumentsSkipped in Embedded Metric Format", async () => {
    const docs = await folderWith({ "a.md": "# A\n\nText.", "b.png": "x" });
    Object.assign(process.env, {
      THOTH_STACK: "dev",
      THOTH_DATA_DIR: await tempDir(),
      POWERTOOLS_METRICS_DISABLED: "false",
      THOTH_COLLECTIONS: JSON.stringify([
        { name: "docs", source: { type: "local", path: docs } },
        { name: "broken", source: { type: "local", path: "/no/such/folder" } },
      ]),
    });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await handler({});
    } finally {
      process.stdout.write = write;
    }
    const emf = lines
      .map((l) => l.trim())
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      Stack: "dev",
      service: "thoth",
      RefreshFailed: 1,
      ChunksEmbedded: 0,
      DocumentsSkipped: 1,
    });
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe("Thoth");
  });
});

describe("parseCollections", () => {
  it("explains a missing, malformed or invalid THOTH_COLLECTIONS", () => {
    expect(() => parseCollections(undefined)).toThrow(/THOTH_COLLECTIONS is not set/);
    expect(() => parseCollections("{")).toThrow(/not valid JSON/);
    expect(() => parseCollections("[]")).toThrow(/THOTH_COLLECTIONS is invalid/);
  });
});
