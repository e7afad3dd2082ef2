import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoDocumentClient } from "../../functions/adapters/aws/dynamo-document-cache.js";
import { DynamoDocumentCache } from "../../functions/adapters/aws/dynamo-document-cache.js";
import { createHandler } from "../../functions/mcp-server/handler.js";
import { openMcpApp } from "../../functions/mcp-server/app.js";
import { handler as refreshHandler } from "../../functions/refresh/handler.js";
import { startDevServer, type DevServer } from "../../cli/dev-server.js";
import { CACHE_TABLE, startDynamo, startS3, startSecretsManager } from "../../scripts/emulators.js";
import { folderWith } from "../helpers/folders.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const BUCKET = "thoth-e2e-bundles";
const KEYS_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:thoth/e2e/api-keys-AbCdEf";
const API_KEY = "e2e-rotating-key-2";

/**
 * The deployed shape on local stand-ins: the refresh Lambda handler publishes to S3 (s3rver) and DynamoDB
 * (dynalite); the MCP Lambda handler reads the bundle from S3 and its API keys from Secrets Manager, behind a
 * real HTTP port, and a real MCP client searches. A second refresh is picked up without a restart.
 */
describe("refresh → S3 → MCP handler on AWS stand-ins", () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  let secrets: Awaited<ReturnType<typeof startSecretsManager>>;
  let server: DevServer;
  let folder: string;
  let env: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    [s3, dynamo, secrets] = await Promise.all([
      startS3(BUCKET),
      startDynamo(),
      startSecretsManager({ [KEYS_ARN]: JSON.stringify(["e2e-old-key-1", API_KEY]) }),
    ]);
    folder = await folderWith({
      "runbooks/database-failover.md":
        "# Database failover\n\n## Steps\n\nPromote the replica, then repoint the service.",
      "runbooks/cache-flush.md": "# Cache flush\n\nFlush the cache only after paging the owner.",
      "image.png": new Uint8Array([0x89, 0x50]),
    });
    env = {
      THOTH_STACK: "e2e",
      THOTH_BUNDLE_BUCKET: BUCKET,
      THOTH_CACHE_TABLE: CACHE_TABLE,
      THOTH_API_KEYS_SECRET_ARN: KEYS_ARN,
      THOTH_COLLECTIONS: JSON.stringify([{ name: "runbooks", source: { type: "local", path: folder } }]),
      THOTH_MODEL_DIR: await tinyModelDir(),
      THOTH_EMBEDDING_MODEL: "thoth/tiny",
      THOTH_POINTER_CHECK_SECONDS: "0",
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    };
    Object.assign(process.env, env);
    const result = await refreshHandler({});
    expect(result.ok).toBe(true);
    server = await startDevServer({ handler: createHandler(() => openMcpApp({ ...process.env })), port: 0 });
  }, 60_000);

  afterAll(async () => {
    process.env = { ...saved };
    await server?.close();
    await Promise.all([s3?.close(), dynamo?.close(), secrets?.close()]);
  });

  const connect = async (key: string) => {
    const client = new Client({ name: "e2e", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { "x-api-key": key } },
      }),
    );
    return client;
  };

  it("accepts any key in the Secrets Manager list and serves the bundle from S3", async () => {
    const client = await connect(API_KEY);
    try {
      // Semantic first: it waits for the vector index, which loads from S3 behind the keyword index.
      const semantic = await client.callTool({
        name: "search_documents",
        arguments: { query: "promote the replica", limit: 1, mode: "semantic" },
      });
      expect(semantic.structuredContent).toMatchObject({ mode: "semantic" });
      const result = await client.callTool({
        name: "search_documents",
        // Hybrid asked for: the tiny test model's default is keyword ranking, and this proves the vectors load.
        arguments: { query: "promote the replica", limit: 1, mode: "hybrid" },
      });
      expect(result.structuredContent).toMatchObject({
        mode: "hybrid",
        results: [{ path: "runbooks/database-failover.md", heading: "Database failover › Steps" }],
      });
    } finally {
      await client.close();
    }
    await expect(connect("not-a-key")).rejects.toThrow(/invalid API key/);
  });

  it("records the run, with skipped files, in DynamoDB", async () => {
    const cache = new DynamoDocumentCache(
      dynamoDocumentClient({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }),
      CACHE_TABLE,
    );
    const [run] = await cache.listRuns("runbooks");
    expect(run).toMatchObject({
      status: "succeeded",
      published: true,
      skipped: [{ path: "image.png", reason: "unsupported file type" }],
    });
    expect((await cache.listDocuments("runbooks")).map((d) => d.path).sort()).toEqual([
      "runbooks/cache-flush.md",
      "runbooks/database-failover.md",
    ]);
  });

  it("serves a new version after the next refresh, without a restart", async () => {
    await writeFile(
      join(folder, "runbooks/cert-rotation.md"),
      "# Certificate rotation\n\nRotate certificates every ninety days.",
    );
    const result = await refreshHandler({ collections: ["runbooks"] });
    expect(result.outcomes[0]).toMatchObject({
      ok: true,
      summary: { chunksEmbedded: 1, documentsReused: 2 },
    });
    const client = await connect(API_KEY);
    try {
      const found = await client.callTool({
        name: "search_documents",
        arguments: { query: "rotate certificates", mode: "keyword", limit: 1 },
      });
      expect((found.structuredContent as { results: { path: string }[] }).results[0]!.path).toBe(
        "runbooks/cert-rotation.md",
      );
      const beat = (await client.callTool({ name: "heartbeat", arguments: {} })).structuredContent as {
        status: string;
        stack: string;
      };
      expect(beat).toMatchObject({ status: "ok", stack: "e2e" });
    } finally {
      await client.close();
    }
  });

  it("keeps answering from the cached version while S3 is unreachable", async () => {
    await s3.stop();
    try {
      // The server already running keeps its loaded version: searches still succeed.
      const client = await connect(API_KEY);
      try {
        const found = await client.callTool({
          name: "search_documents",
          arguments: { query: "flush the cache", mode: "keyword" },
        });
        expect(found.isError).toBeFalsy();
        expect((found.structuredContent as { results: { path: string }[] }).results[0]!.path).toBe(
          "runbooks/cache-flush.md",
        );
        const beat = (await client.callTool({ name: "heartbeat", arguments: {} })).structuredContent as {
          status: string;
          degraded: string[];
        };
        expect(beat.status).toBe("degraded");
        expect(beat.degraded.join(" ")).toMatch(/could not list collections/);
      } finally {
        await client.close();
      }
    } finally {
      await s3.start();
    }
  });
});
