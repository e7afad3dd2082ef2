import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoDocumentClient } from "../../functions/adapters/aws/dynamo-document-cache.js";
import { DynamoDocumentCache } from "../../functions/adapters/aws/dynamo-document-cache.js";
import { bundleKeys, readPointer } from "../../functions/core/bundle.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { logger } from "../../functions/lib/logger.js";
import { captureLogs } from "../helpers/capture-logs.js";
import { openMcpApp } from "../../functions/mcp-server/app.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { GitLabSource } from "../../functions/refresh/sources/gitlab.js";
import { SigmaSource } from "../../functions/refresh/sources/sigma.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { startDevServer } from "../../cli/dev-server.js";
import { connect, type AddressInfo, type Socket } from "node:net";
import { createHandler } from "../../functions/mcp-server/handler.js";
import { CACHE_TABLE, startDynamo, startSecretsManager } from "../../scripts/emulators.js";
import { FakeGitLab } from "../helpers/fake-gitlab.js";
import { FakeSigma } from "../helpers/fake-sigma.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { folderWith, tempDir } from "../helpers/folders.js";
import { codecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";
import { MCP_HEADERS, mcpPost } from "../helpers/mcp-http.js";

const FAST = { retries: 2, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 300 };
const mcpRequest = (key: string) =>
  mcpPost(
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "heartbeat", arguments: {} } },
    { headers: { authorization: `Bearer ${key}` } },
  );

describe("a secret store that fails", () => {
  const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:thoth/faults/api-keys-AbCdEf";
  let sm: Awaited<ReturnType<typeof startSecretsManager>>;
  beforeAll(async () => {
    sm = await startSecretsManager({ [ARN]: "the-real-key-987" });
  });
  afterAll(() => sm?.close());

  it("answers 503 with a retry hint, leaks nothing, and recovers when the store is back", async () => {
    const app = await openMcpApp({
      ...process.env,
      THOTH_DATA_DIR: await tempDir(),
      THOTH_API_KEYS_SECRET_ARN: ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    });
    sm.fail(true);
    const down = await app.handle(mcpRequest("the-real-key-987"));
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("5");
    const text = await down.text();
    expect(text).not.toMatch(/arn:aws|the-real-key|InternalServiceError/);
    sm.fail(false);
    expect((await app.handle(mcpRequest("the-real-key-987"))).status).toBe(200);
  });
});

describe("a Secrets Manager key list that is malformed", () => {
  const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:thoth/faults/bad-keys-AbCdEf";
  it("answers 503 to every key, logs where the setting breaks, and never accepts its fragments", async () => {
    const sm = await startSecretsManager({ [ARN]: '[{"key":"limited","collections":["a"]},"full",]' });
    const logged: string[] = [];
    const original = logger.error.bind(logger);
    logger.error = ((message: string, extra?: Record<string, unknown>) => {
      logged.push(`${message} ${JSON.stringify(extra ?? {})}`);
    }) as typeof logger.error;
    try {
      const app = await openMcpApp({
        ...process.env,
        THOTH_DATA_DIR: await tempDir(),
        THOTH_API_KEYS_SECRET_ARN: ARN,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      });
      for (const key of ["]", '"full"', "full", "limited"]) {
        const answer = await app.handle(mcpRequest(key));
        expect(answer.status, key).toBe(503);
        expect(await answer.text()).not.toMatch(/limited|full|ValueExpected/);
      }
      expect(logged.join("\n")).toMatch(/the API key setting is invalid.*ValueExpected at line 1, column 47/);
      expect(logged.join("\n")).not.toMatch(/limited|"full"/);
    } finally {
      logger.error = original;
      await sm.close();
    }
  });
});

describe("a DynamoDB table that is unavailable", () => {
  it("does not stop the refresh: the bundle is published and the lost run record is reported", async () => {
    const dynamo = await startDynamo();
    const endpoint = dynamo.endpoint;
    await dynamo.close();
    const cache = new DynamoDocumentCache(
      dynamoDocumentClient({ AWS_ENDPOINT_URL_DYNAMODB: endpoint }),
      CACHE_TABLE,
    );
    const store = new MemoryObjectStore();
    const summary = await refreshCollection(
      { store, cache, embedder: null, ...codecs },
      { collection: "c", source: new LocalFolderSource(await folderWith({ "a.md": "# A\n\nText." })) },
    );
    expect(summary.published).toBe(true);
    expect(summary.warnings.some((w) => /the run record could not be written/.test(w))).toBe(true);
    expect(summary.warnings.some((w) => /the document cache could not be written/.test(w))).toBe(true);
    expect((await readPointer(store, "c"))?.version).toBe(summary.version);
  });
});

describe("a pointer that names a missing version", () => {
  it("is refused at start (reported) and during a swap (the current version keeps serving)", async () => {
    const store = new MemoryObjectStore();
    const folder = await folderWith({ "a.md": "# A\n\nAlpha." });
    const live = await refreshCollection(
      { store, embedder: null, ...codecs },
      { collection: "ok", source: new LocalFolderSource(folder) },
    );
    await store.put(
      bundleKeys.pointer("ghost"),
      JSON.stringify({ formatVersion: 1, version: "v-missing", manifestSha256: "0", publishedAt: "" }),
    );
    const kb = await KnowledgeBase.open({ store, embedder: null, ...codecs, pointerCheckSeconds: 0 });
    expect(kb.collectionNames()).toEqual(["ok"]);
    expect(kb.degradations()).toContain("ghost: not loaded: ghost@v-missing: manifest.json is missing");
    const pointer = (await store.read(bundleKeys.pointer("ok")))!;
    await store.putIfUnchanged(
      bundleKeys.pointer("ok"),
      JSON.stringify({ formatVersion: 1, version: "v-gone", manifestSha256: "0", publishedAt: "" }),
      pointer.etag,
    );
    await kb.checkForNewVersions();
    expect(kb.listCollections().find((c) => c.name === "ok")!.version).toBe(live.version);
    expect(kb.degradations().join("\n")).toMatch(
      new RegExp(`ok: ok@v-gone: manifest.json is missing; still serving ${live.version}`),
    );
  });
});

describe("secrets never reach the logs", () => {
  it("keeps API keys, tokens and client secrets out of every log line, even on failures", async () => {
    const SECRETS = { apiKey: "api-key-SECRET-111", gitlab: "glpat-SECRET-222", sigma: "sigma-SECRET-333" };
    const capture = captureLogs("DEBUG");
    const { lines } = capture;
    const gitlab = await new FakeGitLab().start();
    const sigma = await new FakeSigma().start();
    try {
      gitlab.token = "a-different-token";
      gitlab.commitFiles({ "a.md": "# A\n\nText." });
      const store = new MemoryObjectStore();
      await refreshCollection(
        { store, embedder: null, ...codecs },
        {
          collection: "gl",
          source: new GitLabSource({
            baseUrl: gitlab.url,
            projectId: gitlab.projectPath,
            ref: "main",
            token: SECRETS.gitlab,
            retry: FAST,
          }),
        },
      ).catch(() => undefined);
      await refreshCollection(
        { store, embedder: new HashingEmbedder(), ...codecs },
        {
          collection: "sg",
          source: new SigmaSource({
            baseUrl: sigma.url,
            credentials: { clientId: "id", clientSecret: SECRETS.sigma },
            retry: FAST,
          }),
        },
      ).catch(() => undefined);
      const dataDir = await tempDir();
      const app = await openMcpApp({
        ...process.env,
        THOTH_DATA_DIR: dataDir,
        THOTH_API_KEY: SECRETS.apiKey,
      });
      const server = await startDevServer({ handler: createHandler(async () => app), port: 0 });
      try {
        for (const key of [SECRETS.apiKey, `${SECRETS.apiKey}-wrong`]) {
          await fetch(`${server.url}/mcp`, {
            method: "POST",
            headers: {
              ...MCP_HEADERS,
              authorization: `Bearer ${key}`,
              "x-api-key": key,
            },
            body: JSON.stringify({
              jsonrpc: "2.0",
              id: 1,
              method: "tools/call",
              params: { name: "search_documents", arguments: { query: SECRETS.apiKey.slice(0, 5) } },
            }),
          });
        }
      } finally {
        await server.close();
      }
    } finally {
      capture.stop();
      await gitlab.stop();
      await sigma.stop();
    }
    const logged = lines.join("");
    // The capture saw the server at work (a length bound passed by luck: the one-time "no model" warning may
    // already have been given by an earlier test in the same process).
    expect(logged).toMatch(/knowledge base opened/);
    expect(logged).toMatch(/tool call.*search_documents/);
    for (const secret of Object.values(SECRETS)) expect(logged).not.toContain(secret);
  });
});

describe("the local server", () => {
  it("answers 401 from the headers alone: a caller without a key never gets its body read", async () => {
    let handled = 0;
    const server = await startDevServer({
      handler: async () => (handled++, { statusCode: 200, body: "{}" }),
      port: 0,
      authenticate: async (h) => (h.get("authorization") === "Bearer good" ? {} : undefined),
    });
    try {
      const { port } = server.server.address() as AddressInfo;
      // Headers promising 900 KB, then nothing: the answer comes without waiting for (or buffering) the body.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () =>
          socket.write(
            "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
              "Authorization: Bearer wrong\r\nContent-Length: 900000\r\n\r\n" +
              "x".repeat(1000),
          ),
        );
        let text = "";
        socket.on("data", (d: Buffer) => (text += d.toString()));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 401/);
      expect(answer).toContain('www-authenticate: Bearer realm="thoth"');
      expect(answer).toContain("missing or invalid API key");
      expect(handled).toBe(0);
      // The right key is served as before, and other answers stay the handler's (a GET is its 405).
      const ok = await fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: { authorization: "Bearer good" },
        body: "{}",
      });
      expect(ok.status).toBe(200);
      await fetch(`${server.url}/mcp`);
      expect(handled).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("holds at most maxConnections connections; more are closed at once", async () => {
    const server = await startDevServer({
      handler: async () => ({ statusCode: 200, body: "" }),
      port: 0,
      maxConnections: 4,
    });
    const { port } = server.server.address() as AddressInfo;
    const sockets: Socket[] = [];
    try {
      const open = () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(port, "127.0.0.1", () => resolve(socket));
          sockets.push(socket);
        });
      for (let i = 0; i < 4; i++) await open();
      const extra = await open();
      await new Promise((resolve) => extra.once("close", resolve));
      expect(sockets.slice(0, 4).every((s) => !s.destroyed)).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await server.close();
    }
  });

  it("binds to loopback unless told otherwise", async () => {
    const server = await startDevServer({ handler: async () => ({ statusCode: 200, body: "" }), port: 0 });
    try {
      expect((server.server.address() as { address: string }).address).toBe("127.0.0.1");
    } finally {
      await server.close();
    }
  });
});
