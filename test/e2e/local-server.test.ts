import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { CLIENT_KINDS, clientConfig } from "../../shared/client-config.js";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT, folderWith, tempDir } from "../helpers/folders.js";
import { startThothDev } from "../../scripts/thoth-dev.js";
import { tinyModelDir } from "../helpers/tiny-model.js";
import { MCP_HEADERS } from "../helpers/mcp-http.js";

const API_KEY = "e2e-test-key-123";

async function connect(
  url: string,
  headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` },
): Promise<Client> {
  const client = new Client({ name: "thoth-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe.each([
  { name: "without a model (keyword mode, as npm start on a fresh clone)", withModel: false },
  {
    name: "with the generated tiny model (a test model: keyword by default, hybrid when asked)",
    withModel: true,
  },
])("thoth dev $name", ({ withModel }) => {
  let server: Awaited<ReturnType<typeof startThothDev>>;
  let client: Client;

  beforeAll(async () => {
    const env: Record<string, string> = {
      THOTH_DATA_DIR: await tempDir("thoth-e2e-"),
      THOTH_API_KEY: API_KEY,
    };
    if (withModel)
      Object.assign(env, { THOTH_MODEL_DIR: await tinyModelDir(), THOTH_EMBEDDING_MODEL: "thoth/tiny" });
    server = await startThothDev(env);
    client = await connect(server.url);
  });

  afterAll(async () => {
    await client?.close();
    server?.child.kill("SIGTERM");
  });

  it("indexed the sample handbook on first run and printed a client config", () => {
    expect(server.output()).toMatch(/First run: indexing the sample handbook/);
    expect(server.output()).toContain('"mcp-remote"');
    // Without a model the keyword-only mode is announced in a log line.
    expect(/keyword search only/.test(server.output())).toBe(!withModel);
    // Once, as one readable line, though the model is looked for twice (first index, then serving).
    const warnings = server.output().match(/^warn: embedding model unavailable; keyword search only/gm) ?? [];
    expect(warnings).toHaveLength(withModel ? 0 : 1);
  });

  it("lists the tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "search_documents",
        "get_document",
        "list_documents",
        "list_collections",
        "heartbeat",
      ]),
    );
  });

  it("finds the on-call page for a question about swapping shifts, then reads it", async () => {
    const search = await client.callTool({
      name: "search_documents",
      arguments: { query: "can I swap my on-call shift" },
    });
    const { mode, results, notices } = search.structuredContent as {
      mode: string;
      results: { path: string; id: string }[];
      notices: string[];
    };
    // The tiny model only tests the code path: searches default to keyword ranking with it, and say why.
    expect(mode).toBe("keyword");
    expect(notices.some((n) => /thoth\/tiny is a generated test model/.test(n))).toBe(withModel);
    expect(results[0]!.path).toBe("on-call/rotation.md");
    if (withModel) {
      // A semantic search waits for the vector index, which loads behind the keyword index.
      const semantic = await client.callTool({
        name: "search_documents",
        arguments: { query: "can I swap my on-call shift", mode: "semantic" },
      });
      expect((semantic.structuredContent as { mode: string }).mode).toBe("semantic");
      const hybrid = await client.callTool({
        name: "search_documents",
        arguments: { query: "can I swap my on-call shift", mode: "hybrid" },
      });
      expect((hybrid.structuredContent as { mode: string }).mode).toBe("hybrid");
      expect(server.output()).toMatch(/Note: thoth\/tiny is a generated test model/);
    }
    const doc = await client.callTool({ name: "get_document", arguments: { id: results[0]!.id } });
    expect((doc.structuredContent as { text: string }).text).toContain("Swapping shifts");
  });

  it("says in heartbeat whether it is degraded", async () => {
    const beat = (await client.callTool({ name: "heartbeat", arguments: {} })).structuredContent as {
      status: string;
      collections: { name: string }[];
      defaultSearchMode: string;
      notes: string[];
    };
    expect(beat.status).toBe(withModel ? "ok" : "degraded");
    expect(beat.defaultSearchMode).toBe("keyword");
    expect(beat.notes.length).toBe(withModel ? 1 : 0);
    expect(beat.collections.map((c) => c.name)).toEqual(["handbook"]);
  });

  it("answers 401 without an API key", async () => {
    await expect(connect(server.url, {})).rejects.toThrow(/missing or invalid API key/);
    const response = await fetch(server.url, {
      method: "POST",
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("answers 405 on GET and DELETE", async () => {
    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(server.url, { method, headers: { authorization: `Bearer ${API_KEY}` } });
      expect(response.status).toBe(405);
    }
  });

  it("refuses a foreign Host or Origin header (DNS rebinding)", async () => {
    const { request } = await import("node:http");
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          server.url,
          { method: "POST", headers: { ...headers, "content-type": "application/json" } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end("{}");
      });
    expect(await status({ host: "evil.example.com" })).toBe(403);
    expect(await status({ origin: "http://evil.example.com" })).toBe(403);
  });
});

describe("thoth dev and thoth index on one data dir", () => {
  it("serves a collection indexed while it runs within a second, as thoth index says", async () => {
    const dataDir = await tempDir("thoth-e2e-");
    const server = await startThothDev({ THOTH_DATA_DIR: dataDir, THOTH_API_KEY: API_KEY });
    const client = await connect(server.url);
    try {
      const folder = await folderWith({ "a.md": "# Release notes\n\nThe zebra release ships on Thursday." });
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, "bin/thoth.js"), "index", folder, "-c", "notes"],
        { env: { ...process.env, THOTH_DATA_DIR: dataDir, THOTH_LOG_LEVEL: "ERROR" } },
      );
      expect(stdout).toMatch(/A running thoth dev on this data dir serves notes@\S+ within 1 s/);
      // Picked up by the next pointer check (every second locally; hot-swap.test.ts pins the interval with
      // a fake clock): here only that it is, with a generous bound for a busy machine.
      const indexed = Date.now();
      let names: string[] = [];
      while (!names.includes("notes") && Date.now() - indexed < 30_000) {
        const listed = await client.callTool({ name: "list_collections", arguments: {} });
        names = (listed.structuredContent as { collections: { name: string }[] }).collections.map(
          (c) => c.name,
        );
        if (!names.includes("notes")) await new Promise((r) => setTimeout(r, 100));
      }
      expect(names).toContain("notes");
    } finally {
      await client.close();
      server.child.kill("SIGTERM");
    }
  });
});

describe("thoth dev --workers 2", () => {
  /**
   * The worker processes whose parent is `pid` (pgrep, on Linux and macOS): those running dev-workers.ts, since
   * the primary may have other children (tsx's esbuild service).
   */
  const workersOf = async (pid: number) =>
    (
      await promisify(execFile)("pgrep", ["-P", String(pid), "-f", "dev-workers"]).catch(() => ({
        stdout: "",
      }))
    ).stdout
      .split("\n")
      .filter(Boolean);

  it("answers on one port from two processes, each picking up a new collection, and stops them all", async () => {
    const dataDir = await tempDir("thoth-e2e-");
    const server = await startThothDev({ THOTH_DATA_DIR: dataDir, THOTH_API_KEY: API_KEY }, 0, [
      "--workers",
      "2",
    ]);
    const workers = await workersOf(server.child.pid!);
    try {
      expect(server.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/mcp \(2 worker processes\)/);
      expect(workers).toHaveLength(2);
      // Each call on its own connection: node:cluster hands connections to the workers in turn.
      const names = async () =>
        (
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              const response = await fetch(server.url, {
                method: "POST",
                headers: { ...MCP_HEADERS, authorization: `Bearer ${API_KEY}`, connection: "close" },
                body: JSON.stringify({
                  jsonrpc: "2.0",
                  id: 1,
                  method: "tools/call",
                  params: { name: "list_collections", arguments: {} },
                }),
              });
              expect(response.status).toBe(200);
              const { result } = (await response.json()) as {
                result: { structuredContent: { collections: { name: string }[] } };
              };
              return result.structuredContent.collections.map((c) => c.name).join(",");
            }),
          )
        ).sort();
      expect(new Set(await names())).toEqual(new Set(["handbook"]));
      const folder = await folderWith({ "a.md": "# Release notes\n\nThe zebra release ships on Thursday." });
      await promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, "bin/thoth.js"), "index", folder, "-c", "notes"],
        { env: { ...process.env, THOTH_DATA_DIR: dataDir, THOTH_LOG_LEVEL: "ERROR" } },
      );
      // Every worker checks the pointers on its own (each second locally): until both have, answers differ.
      const indexed = Date.now();
      let seen = await names();
      while (seen.some((n) => n !== "handbook,notes") && Date.now() - indexed < 30_000) {
        await new Promise((r) => setTimeout(r, 200));
        seen = await names();
      }
      expect(new Set(seen)).toEqual(new Set(["handbook,notes"]));
    } finally {
      const exited = new Promise((r) => server.child.once("exit", r));
      server.child.kill("SIGTERM");
      await exited;
    }
    // No worker outlives the server.
    const alive = async () =>
      (
        await Promise.all(
          workers.map((pid) =>
            promisify(execFile)("kill", ["-0", pid]).then(
              () => pid,
              () => "",
            ),
          ),
        )
      ).filter(Boolean);
    const stopped = Date.now();
    while ((await alive()).length && Date.now() - stopped < 10_000)
      await new Promise((r) => setTimeout(r, 100));
    expect(await alive()).toEqual([]);
  });
});

describe("switching models on one data dir", () => {
  it("thoth dev with a model re-embeds the collections built without it: no rm needed", async () => {
    const dataDir = await tempDir("thoth-e2e-");
    const first = await startThothDev({ THOTH_DATA_DIR: dataDir, THOTH_API_KEY: API_KEY });
    first.child.kill("SIGTERM");
    await new Promise((r) => first.child.once("exit", r));
    const server = await startThothDev({
      THOTH_DATA_DIR: dataDir,
      THOTH_API_KEY: API_KEY,
      THOTH_MODEL_DIR: await tinyModelDir(),
      THOTH_EMBEDDING_MODEL: "thoth/tiny",
    });
    const client = await connect(server.url);
    try {
      expect(server.output()).toMatch(/Re-embedding handbook with thoth\/tiny/);
      const listed = await client.callTool({ name: "list_collections", arguments: {} });
      const handbook = (
        listed.structuredContent as { collections: { name: string; model: string; modes: string[] }[] }
      ).collections[0]!;
      expect(handbook).toMatchObject({ name: "handbook", model: "thoth/tiny" });
      expect(handbook.modes).toContain("semantic");
    } finally {
      await client.close();
      server.child.kill("SIGTERM");
    }
  });
});

describe("thoth client-config --local", () => {
  it("prints any client's configuration for the running local server and its key", async () => {
    const dataDir = await tempDir("thoth-e2e-");
    const server = await startThothDev({ THOTH_DATA_DIR: dataDir });
    const env = { ...process.env, THOTH_DATA_DIR: dataDir, THOTH_API_KEY: "", THOTH_LOG_LEVEL: "ERROR" };
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(REPO_ROOT, "bin/thoth.js"), "client-config", ...args], {
        env,
      });
    try {
      const key = (await readFile(join(dataDir, "local-api-key"), "utf8")).trim();
      for (const kind of CLIENT_KINDS) {
        const { stdout, stderr } = await run(["--local", "--client", kind]);
        expect(stdout.trim()).toBe(clientConfig(kind, { url: server.url, apiKey: key }));
        expect(stderr).toBe("");
      }
    } finally {
      server.child.kill("SIGTERM");
      await new Promise((r) => server.child.once("exit", r));
    }
    // Once it has stopped: the default port's URL, and a note saying no server runs.
    const { stdout, stderr } = await run(["--local", "--client", "claude-code"]);
    expect(stdout).toContain("http://127.0.0.1:8787/mcp");
    expect(stderr).toMatch(/note: no thoth dev is running/);
    await expect(run(["--client", "claude"])).rejects.toThrow(/pass either --stack <name> or --local/);
  });
});

describe("thoth dev on a port in use", () => {
  it("says so, with the command to use another port, before indexing or loading anything", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const error = await startThothDev({ THOTH_DATA_DIR: await tempDir("thoth-e2e-") }, port).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/exited with 1/);
      expect(error?.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(error?.message).toContain(`PORT=${port + 1} npm start`);
      // Before indexing or loading anything: it never got as far as the first run's indexing.
      expect(error?.message).not.toMatch(/First run|Indexed|EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});

describe("thoth dev with a key setting", () => {
  it("refuses to start on a key list that is not valid JSON, saying where it breaks", async () => {
    const setting = '[{"key":"limited","collections":["a"]},"full",]';
    const error = await startThothDev({
      THOTH_DATA_DIR: await tempDir("thoth-e2e-"),
      THOTH_API_KEY: setting,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/exited with 1/);
    expect(error?.message).toMatch(
      /THOTH_API_KEY starts like JSON but is not valid JSON: ValueExpected at line 1, column 47/,
    );
    expect(error?.message).not.toMatch(/First run|listening/);
    expect(error?.message).not.toContain("limited");
  });

  it("serves every key of a JSON list and prints one usable key in the snippets", async () => {
    const setting = JSON.stringify([{ key: "limited-key-1", collections: ["handbook"] }, "full-key-2"]);
    const server = await startThothDev({
      THOTH_DATA_DIR: await tempDir("thoth-e2e-"),
      THOTH_API_KEY: setting,
    });
    try {
      for (let i = 0; i < 100 && !server.output().includes("claude mcp add"); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(server.output()).toMatch(
        /claude mcp add --transport http thoth \S+ --header "Authorization: Bearer full-key-2"/,
      );
      expect(server.output()).not.toContain("[{");
      for (const key of ["limited-key-1", "full-key-2"]) {
        const client = await connect(server.url, { authorization: `Bearer ${key}` });
        const { collections } = (await client.callTool({ name: "list_collections", arguments: {} }))
          .structuredContent as { collections: { name: string }[] };
        expect(
          collections.map((c) => c.name),
          key,
        ).toEqual(["handbook"]);
        await client.close();
      }
    } finally {
      server.child.kill("SIGTERM");
    }
  });
});
