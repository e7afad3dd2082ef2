import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig } from "../../shared/client-config.js";
import { REPO_ROOT, tempDir } from "../helpers/folders.js";
import { startThothDev } from "../../scripts/thoth-dev.js";
import { useEverything, type AnyClient } from "../helpers/use-everything.js";

const API_KEY = "client-compat-key-456";

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

  // README snippets run exactly as printed, from the repo root and from an empty folder (npx resolves packages
  // differently in each: the project's own node_modules, or a download).
  const folders = [
    ["the repo root", async () => REPO_ROOT],
    ["an empty folder", () => tempDir("thoth-client-cwd-")],
  ] as const;

  it.each(folders)(
    "mcp-remote bridges stdio to the server, as Claude Desktop uses it, from %s",
    async (_, cwd) => {
      const config = JSON.parse(clientConfig("claude", { url: server.url, apiKey: API_KEY })) as {
        mcpServers: { thoth: { command: string; args: string[] } };
      };
      const { command, args } = config.mcpServers.thoth;
      const transport = new StdioClientTransport({
        command,
        args: [...args, "--silent"],
        cwd: await cwd(),
        env: {
          ...(process.env as Record<string, string>),
          MCP_REMOTE_CONFIG_DIR: await tempDir("thoth-mcp-remote-"),
        },
        stderr: "pipe",
      });
      const client = new Client({ name: "via-mcp-remote", version: "1.0.0" });
      await client.connect(transport);
      try {
        // Every tool, prompt, resource and completion, through the bridge.
        await useEverything(client as unknown as AnyClient);
      } finally {
        await client.close();
      }
    },
  );

  it.each(folders)(
    "the MCP Inspector CLI, as printed, lists the tools and searches, from %s",
    async (_, cwd) => {
      const printed = clientConfig("inspector", { url: server.url, apiKey: API_KEY });
      const shell = async (command: string) => {
        const { stdout } = await promisify(execFile)("bash", ["-c", command], {
          cwd: await cwd(),
          timeout: 120_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        return JSON.parse(stdout) as Record<string, unknown>;
      };
      const listed = (await shell(printed)) as { tools: { name: string }[] };
      expect(listed.tools.map((t) => t.name)).toContain("search_documents");
      // The README's variation: the same command with a tools/call method.
      const search = printed.replace(
        "--method tools/list",
        '--method tools/call --tool-name search_documents --tool-arg query="incident severity levels" --tool-arg limit=1',
      );
      const result = (await shell(search)) as { structuredContent: { results: { path: string }[] } };
      expect(result.structuredContent.results[0]!.path).toBe("incidents/severity-levels.md");
      // Resources and prompts through the same CLI (it has no completion method).
      const method = (rest: string) => printed.replace("--method tools/list", rest);
      const resources = (await shell(method("--method resources/list"))) as {
        resources: { uri: string; name: string }[];
      };
      const expenses = resources.resources.find((r) => r.name === "handbook/people/expenses.md")!;
      const read = (await shell(method(`--method resources/read --uri ${expenses.uri}`))) as {
        contents: { text: string }[];
      };
      expect(read.contents[0]!.text).toContain("# Expenses");
      const templates = (await shell(method("--method resources/templates/list"))) as {
        resourceTemplates: unknown[];
      };
      expect(templates.resourceTemplates).toHaveLength(1);
      const prompts = (await shell(method("--method prompts/list"))) as { prompts: { name: string }[] };
      expect(prompts.prompts.map((p) => p.name).sort()).toEqual(["ask", "summarize_document"]);
      const prompt = (await shell(
        method(
          "--method prompts/get --prompt-name summarize_document --prompt-args document=people/expenses.md",
        ),
      )) as { messages: unknown[] };
      expect(JSON.stringify(prompt.messages)).toContain("Expenses");
      for (const tool of [
        "get_document",
        "list_documents",
        "list_collections",
        "heartbeat",
        "search",
        "fetch",
      ]) {
        const args =
          tool === "get_document" || tool === "fetch"
            ? ` --tool-arg id=${expenses.uri.split("/").pop()}`
            : tool === "list_documents"
              ? " --tool-arg pathPrefix=security/"
              : tool === "search"
                ? " --tool-arg query=expenses"
                : "";
        const called = (await shell(method(`--method tools/call --tool-name ${tool}${args}`))) as {
          isError?: boolean;
        };
        expect(called.isError ?? false).toBe(false);
      }
    },
  );
});
