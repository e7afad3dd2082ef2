import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../shared/client-config.js";
import { REPO_ROOT, tempDir } from "../helpers/folders.js";
import { startThothDev } from "../helpers/thoth-dev.js";

const API_KEY = "client-compat-key-456";

/** Splits a documented command line into argv (double quotes group words). */
function argv(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/**
 * The clients people use, against `thoth dev` on a real port, each configured with exactly the snippet the
 * README shows (shared/client-config.ts generates both).
 */
describe("compatibility with MCP clients", () => {
  let server: Awaited<ReturnType<typeof startThothDev>>;

  beforeAll(async () => {
    server = await startThothDev({ THOTH_DATA_DIR: await tempDir("thoth-clients-"), THOTH_API_KEY: API_KEY });
  });
  afterAll(() => {
    server?.child.kill("SIGTERM");
  });

  it("the SDK client over Streamable HTTP uses every tool and resource", async () => {
    const client = new Client({ name: "sdk-http", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${API_KEY}` } },
      }),
    );
    try {
      const search = await client.callTool({
        name: "search_documents",
        arguments: { query: "how to file an expense claim", limit: 3 },
      });
      const top = (search.structuredContent as { results: { id: string; path: string }[] }).results[0]!;
      expect(top.path).toBe("people/expenses.md");
      const doc = await client.callTool({ name: "get_document", arguments: { id: top.id } });
      expect((doc.structuredContent as { title: string }).title).toBe("Expenses");
      const listed = await client.callTool({
        name: "list_documents",
        arguments: { pathPrefix: "security/" },
      });
      expect((listed.structuredContent as { total: number }).total).toBe(5);
      const collections = await client.callTool({ name: "list_collections", arguments: {} });
      expect(
        (collections.structuredContent as { collections: { name: string }[] }).collections[0]!.name,
      ).toBe("handbook");
      const beat = await client.callTool({ name: "heartbeat", arguments: {} });
      expect((beat.structuredContent as { server: { name: string } }).server.name).toBe("thoth");
      const { resources } = await client.listResources();
      const expenses = resources.find((r) => r.name === "handbook/people/expenses.md")!;
      const read = await client.readResource({ uri: expenses.uri });
      expect((read.contents[0] as { text: string }).text).toContain("# Expenses");
      expect((await client.listResourceTemplates()).resourceTemplates).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("mcp-remote bridges stdio to the server, as Claude Desktop uses it", async () => {
    const config = JSON.parse(clientConfig("claude", { url: server.url, apiKey: API_KEY })) as {
      mcpServers: { thoth: { command: string; args: string[] } };
    };
    const { command, args } = config.mcpServers.thoth;
    const transport = new StdioClientTransport({
      command,
      args: [...args, "--silent"],
      cwd: REPO_ROOT,
      env: {
        ...(process.env as Record<string, string>),
        MCP_REMOTE_CONFIG_DIR: await tempDir("thoth-mcp-remote-"),
      },
      stderr: "pipe",
    });
    const client = new Client({ name: "via-mcp-remote", version: "1.0.0" });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("search_documents");
      const result = await client.callTool({
        name: "search_documents",
        arguments: { query: "swap on-call shift", limit: 1 },
      });
      expect((result.structuredContent as { results: { path: string }[] }).results[0]!.path).toBe(
        "on-call/rotation.md",
      );
      expect((await client.listResources()).resources.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it("the MCP Inspector CLI lists the tools and calls search_documents", async () => {
    // Same arguments as the documented `npx -y @modelcontextprotocol/inspector-cli …`, run from the installed bin.
    const [, , , ...args] = argv(clientConfig("inspector", { url: server.url, apiKey: API_KEY }));
    const bin = join(REPO_ROOT, "node_modules", ".bin", "mcp-inspector-cli");
    // inspector-cli 1.0.3 finds its own package.json relative to the working directory: run it one level down.
    const run = (extra: string[]) =>
      promisify(execFile)(bin, [...args, ...extra], { cwd: join(REPO_ROOT, "test"), timeout: 60_000 });
    const { stdout } = await run([]);
    const listed = JSON.parse(stdout.slice(stdout.indexOf("{")));
    expect(listed.tools.map((t: { name: string }) => t.name)).toContain("search_documents");
    const argsWithoutMethod = args.slice(0, args.indexOf("--method"));
    const called = await promisify(execFile)(
      bin,
      [
        ...argsWithoutMethod,
        "--method",
        "tools/call",
        "--tool-name",
        "search_documents",
        "--tool-arg",
        "query=incident severity levels",
        "--tool-arg",
        "limit=1",
      ],
      { cwd: join(REPO_ROOT, "test"), timeout: 60_000 },
    );
    const result = JSON.parse(called.stdout.slice(called.stdout.indexOf("{")));
    expect(result.structuredContent.results[0].path).toBe("incidents/severity-levels.md");
  });
});
