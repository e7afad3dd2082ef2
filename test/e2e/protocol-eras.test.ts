import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/folders.js";
import { startThothDev } from "../helpers/thoth-dev.js";

const API_KEY = "protocol-eras-key-789";
const headers = { authorization: `Bearer ${API_KEY}` };

/** What both SDK generations' clients share, as these tests use it. */
interface AnyClient {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  listResources(): Promise<{ resources: { uri: string; name: string }[] }>;
  readResource(params: { uri: string }): Promise<{ contents: unknown[] }>;
  listResourceTemplates(): Promise<{ resourceTemplates: unknown[] }>;
  listPrompts(): Promise<{ prompts: { name: string }[] }>;
  getPrompt(params: { name: string; arguments: Record<string, string> }): Promise<{ messages: unknown[] }>;
  complete(params: {
    ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };
    argument: { name: string; value: string };
  }): Promise<{ completion: { values: string[] } }>;
}

const structured = <T>(result: unknown) => (result as { structuredContent: T }).structuredContent;

/** Every tool, prompt, resource and completion, through one client; returns what the checks below read. */
async function useEverything(client: AnyClient) {
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
  const search = structured<{ results: { id: string; path: string }[] }>(
    await client.callTool({
      name: "search_documents",
      arguments: { query: "how to file an expense claim", limit: 3 },
    }),
  );
  expect(search.results[0]!.path).toBe("people/expenses.md");
  const doc = structured<{ title: string }>(
    await client.callTool({ name: "get_document", arguments: { id: search.results[0]!.id } }),
  );
  expect(doc.title).toBe("Expenses");
  const listed = structured<{ total: number }>(
    await client.callTool({ name: "list_documents", arguments: { pathPrefix: "security/" } }),
  );
  expect(listed.total).toBe(5);
  const collections = structured<{ collections: { name: string }[] }>(
    await client.callTool({ name: "list_collections", arguments: {} }),
  );
  expect(collections.collections[0]!.name).toBe("handbook");
  const beat = structured<{ server: { name: string } }>(
    await client.callTool({ name: "heartbeat", arguments: {} }),
  );
  expect(beat.server.name).toBe("thoth");
  const { resources } = await client.listResources();
  const expenses = resources.find((r) => r.name === "handbook/people/expenses.md")!;
  const read = await client.readResource({ uri: expenses.uri });
  expect((read.contents[0] as { text: string }).text).toContain("# Expenses");
  expect((await client.listResourceTemplates()).resourceTemplates).toHaveLength(1);
  const { prompts } = await client.listPrompts();
  expect(prompts.map((p) => p.name).sort()).toEqual(["ask", "summarize_document"]);
  const ask = await client.getPrompt({ name: "ask", arguments: { question: "What is on-call?" } });
  expect(JSON.stringify(ask.messages)).toContain("search_documents");
  const summary = await client.getPrompt({
    name: "summarize_document",
    arguments: { document: "people/expenses.md" },
  });
  expect(JSON.stringify(summary.messages)).toContain("Expenses");
  const names = await client.complete({
    ref: { type: "ref/prompt", name: "ask" },
    argument: { name: "collection", value: "hand" },
  });
  expect(names.completion.values).toEqual(["handbook"]);
  const ids = await client.complete({
    ref: { type: "ref/resource", uri: "thoth://{collection}/{id}" },
    argument: { name: "collection", value: "h" },
  });
  expect(ids.completion.values).toEqual(["handbook"]);
}

/**
 * Both protocol eras against `thoth dev` on a real port, whose requests go through the Lambda handler's event
 * path (the dev server turns each into an API Gateway v2 event): the SDK's v2 client pinned to 2026-07-28 and in
 * auto mode, and the v1 client (2025-11-25).
 */
describe("protocol eras on one endpoint", () => {
  let server: Awaited<ReturnType<typeof startThothDev>>;

  beforeAll(async () => {
    server = await startThothDev({ THOTH_DATA_DIR: await tempDir("thoth-eras-"), THOTH_API_KEY: API_KEY });
  });
  afterAll(() => {
    server?.child.kill("SIGTERM");
  });

  it("a 2026-07-28 client (v2 SDK, pinned) uses every tool, prompt, resource and completion", async () => {
    const client = new ModernClient(
      { name: "modern-pinned", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(new ModernTransport(new URL(server.url), { requestInit: { headers } }));
    try {
      expect(client.getProtocolEra()).toBe("modern");
      await useEverything(client as unknown as AnyClient);
    } finally {
      await client.close();
    }
  });

  it("a v2 client in auto mode finds the 2026-07-28 era and sees the server's identity", async () => {
    const client = new ModernClient(
      { name: "modern-auto", version: "1.0.0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(new ModernTransport(new URL(server.url), { requestInit: { headers } }));
    try {
      expect(client.getProtocolEra()).toBe("modern");
      const info = client.getServerVersion();
      expect(info).toMatchObject({ name: "thoth", title: expect.stringContaining("Thoth") });
      expect(info?.icons?.[0]?.src).toMatch(/^data:image\/svg\+xml;base64,/);
      await useEverything(client as unknown as AnyClient);
    } finally {
      await client.close();
    }
  });

  it("a 2025-era client (v1 SDK, 2025-11-25) uses every tool, prompt, resource and completion", async () => {
    const client = new Client({ name: "legacy", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } }),
    );
    try {
      expect(client.getServerVersion()).toMatchObject({
        name: "thoth",
        title: expect.stringContaining("Thoth"),
      });
      await useEverything(client as unknown as AnyClient);
    } finally {
      await client.close();
    }
  });
});
