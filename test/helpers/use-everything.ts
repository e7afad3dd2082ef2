/**
 * One pass over everything Thoth serves, through any MCP client (either SDK generation, directly or through a
 * bridge): every tool, both prompts, the resources and their template, and both completions, with checks that
 * fit the sample handbook `thoth dev` indexes.
 */
import { expect } from "vitest";

/** What both SDK generations' clients share, as these tests use it. */
export interface AnyClient {
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
export async function useEverything(client: AnyClient) {
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
