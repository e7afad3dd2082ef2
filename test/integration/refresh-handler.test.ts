import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Context } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { ModelUnavailableError } from "../../functions/core/errors.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";
import { readPointer } from "../../functions/core/bundle.js";
import { createRuntime } from "../../functions/composition.js";
import { handler, type RefreshResult } from "../../functions/refresh/handler.js";
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
    const store = (await createRuntime(parseRuntimeEnv(process.env))).store;
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
    const lines = await capture(() => handler({}));
    const emf = emfRecords(lines).filter((e) => "RefreshFailed" in e);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      Stack: "dev",
      service: "thoth",
      RefreshFailed: 1,
      ChunksEmbedded: 0,
      DocumentsSkipped: 1,
    });
    expect(
      (emf[0] as { _aws: { CloudWatchMetrics: { Namespace: string }[] } })._aws.CloudWatchMetrics[0]!
        .Namespace,
    ).toBe("Thoth");
  });

  it("flushes them also when the run throws, so the failed-refresh alarm sees it", async () => {
    Object.assign(process.env, {
      THOTH_STACK: "dev",
      THOTH_DATA_DIR: await tempDir(),
      THOTH_MODEL_DIR: await tempDir(),
      POWERTOOLS_METRICS_DISABLED: "false",
      THOTH_COLLECTIONS: JSON.stringify([{ name: "docs", source: { type: "local", path: await tempDir() } }]),
    });
    const lines = await capture(() => handler({}, lambdaContext("req-refresh-1")));
    const emf = emfRecords(lines).filter((e) => "RefreshFailed" in e);
    expect(emf).toEqual([expect.objectContaining({ Stack: "dev", RefreshFailed: 1, ChunksEmbedded: 0 })]);
  });
});

describe("refresh metrics off a Lambda", () => {
  it("writes no EMF lines on a laptop unless asked (as the MCP handler)", async () => {
    const docs = await folderWith({ "a.md": "# A\n\nText." });
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    Object.assign(process.env, {
      THOTH_STACK: "dev",
      THOTH_DATA_DIR: await tempDir(),
      THOTH_COLLECTIONS: JSON.stringify([{ name: "docs", source: { type: "local", path: docs } }]),
    });
    let result: RefreshResult | undefined;
    const lines = await capture(async () => (result = await handler({})));
    expect(result?.ok).toBe(true);
    expect(emfRecords(lines)).toEqual([]);
  });
});

/** What the handler writes to stdout while `run` runs (and rejects, if it does). */
async function capture(run: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await run().catch(() => undefined);
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

function emfRecords(lines: string[]): Record<string, unknown>[] {
  return lines
    .flatMap((l) => l.split("\n"))
    .map((l) => l.trim())
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function lambdaContext(awsRequestId: string): Context {
  return {
    awsRequestId,
    functionName: "thoth-dev-refresh",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:thoth-dev-refresh",
    memoryLimitInMB: "3008",
    logGroupName: "/aws/lambda/thoth-dev-refresh",
    logStreamName: "s",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

describe("parseCollections", () => {
  it("explains a missing, malformed or invalid THOTH_COLLECTIONS", () => {
    expect(() => parseCollections(undefined)).toThrow(/THOTH_COLLECTIONS is not set/);
    expect(() => parseCollections("{")).toThrow(/not valid JSON/);
    expect(() => parseCollections("[]")).toThrow(/THOTH_COLLECTIONS is invalid/);
  });
});

describe("a refresh without its model", () => {
  it("fails the Lambda run loudly when the stack configures a model that cannot load", async () => {
    const docs = await folderWith({ "a.md": "# A\n\nText." });
    Object.assign(process.env, {
      THOTH_DATA_DIR: await tempDir(),
      THOTH_MODEL_DIR: await tempDir(),
      THOTH_EMBEDDING_MODEL: "Xenova/all-MiniLM-L6-v2",
      THOTH_COLLECTIONS: JSON.stringify([{ name: "docs", source: { type: "local", path: docs } }]),
    });
    const error = await handler({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(
      /cannot load its embedding model Xenova\/all-MiniLM-L6-v2 .*Run `npm run model:fetch` before `npm run package`/,
    );
    const store = (await createRuntime(parseRuntimeEnv(process.env))).store;
    expect(await readPointer(store, "docs")).toBeUndefined();
  });

  it("refuses to publish keyword-only over a hybrid version, unless told to", async () => {
    const docs = await folderWith({ "a.md": "# A\n\nAlpha text.", "b.md": "# B\n\nBeta text." });
    const store = new MemoryObjectStore();
    const job = { collection: "docs", source: new LocalFolderSource(docs) };
    const hybrid = await refreshCollection({ store, ...codecs, embedder: new HashingEmbedder() }, job);
    await writeFile(join(docs, "c.md"), "# C\n\nGamma text.");
    const error = await refreshCollection(
      { store, ...codecs, embedder: null, embedderUnavailableReason: "THOTH_MODEL_DIR is not set" },
      job,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(
      /docs is served with semantic search \(built with test\/hashing\), but this run has no embedding model \(THOTH_MODEL_DIR is not set\).*Set THOTH_MODEL_DIR .*--keyword-only/,
    );
    expect((await readPointer(store, "docs"))!.version).toBe(hybrid.version);
    const replaced = await refreshCollection(
      { store, ...codecs, embedder: null },
      { ...job, allowKeywordOnly: true },
    );
    expect(replaced).toMatchObject({ published: true, model: null });
  });
});
