import { beforeAll, describe, expect, it } from "vitest";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs } from "../../helpers/knowledge-base.js";
import { mcpClient, mcpDeps } from "../../helpers/mcp-http.js";

type Results = { results: { id: string; title: string; url: string }[] };
type Fetched = { id: string; title: string; text: string; url: string; metadata: Record<string, string> };

/** OpenAI's MCP contract for ChatGPT connectors and deep research: search(query) and fetch(id). */
describe("ChatGPT's search and fetch", () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    ({ kb } = (await knowledgeBaseFrom(
      {
        docs: await folderWith({
          "expenses.md": "# Expenses\n\nFile an expense claim within 30 days.",
          "travel.md": "# Travel\n\nBook travel through the portal; expense claims follow.",
        }),
        secret: await folderWith({ "plans.md": "# Plans\n\nThe expense claim audit of next year." }),
      },
      null,
      undefined,
      unitCodecs,
    )) as { kb: KnowledgeBase });
  });

  it("search answers { results: [{ id, title, url }] } as structured content and as one JSON text", async () => {
    const client = await mcpClient(mcpDeps(kb));
    const answer = await client.callTool({ name: "search", arguments: { query: "expense claim" } });
    const structured = answer.structuredContent as Results;
    expect(structured.results.length).toBe(3);
    for (const r of structured.results) expect(Object.keys(r).sort()).toEqual(["id", "title", "url"]);
    const content = answer.content as { type: string; text: string }[];
    expect(content).toHaveLength(1);
    expect(JSON.parse(content[0]!.text)).toEqual(structured);
    // Local files have no URL of their own: the url is the document's thoth:// resource.
    const expenses = structured.results.find((r) => r.title === "Expenses")!;
    expect(expenses.url).toBe(`thoth://${expenses.id}`);
  });

  it("fetch answers { id, title, text, url, metadata } for a search id, and for a bare document id", async () => {
    const client = await mcpClient(mcpDeps(kb));
    const { results } = (await client.callTool({ name: "search", arguments: { query: "expense claim" } }))
      .structuredContent as Results;
    const id = results.find((r) => r.title === "Expenses")!.id;
    const fetched = (await client.callTool({ name: "fetch", arguments: { id } }))
      .structuredContent as Fetched;
    expect(fetched).toMatchObject({ id, title: "Expenses", url: `thoth://${id}` });
    expect(fetched.text).toContain("within 30 days");
    expect(fetched.metadata).toMatchObject({ collection: "docs", path: "expenses.md", source: "local" });
    const bare = (await client.callTool({ name: "fetch", arguments: { id: id.split("/")[1]! } }))
      .structuredContent as Fetched;
    expect(bare.id).toBe(id);
  });

  it("is scoped by key: search never shows, and fetch never reads, another collection", async () => {
    const client = await mcpClient(mcpDeps(kb, { scope: new Set(["docs"]) }));
    const { results } = (
      await client.callTool({ name: "search", arguments: { query: "expense claim audit" } })
    ).structuredContent as Results;
    expect(results.map((r) => r.id.split("/")[0])).toEqual(["docs", "docs"]);
    const open = await mcpClient(mcpDeps(kb));
    const secret = (
      (await open.callTool({ name: "search", arguments: { query: "audit" } })).structuredContent as Results
    ).results[0]!.id;
    expect(secret.startsWith("secret/")).toBe(true);
    const refused = await client.callTool({ name: "fetch", arguments: { id: secret } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).not.toContain("audit");
  });

  it("search_documents also links each document's thoth:// resource, once, in rank order", async () => {
    const client = await mcpClient(mcpDeps(kb));
    const answer = await client.callTool({
      name: "search_documents",
      arguments: { query: "expense claim", perDocument: 3 },
    });
    const links = (answer.content as { type: string; uri?: string; title?: string }[]).filter(
      (c) => c.type === "resource_link",
    );
    const hits = (answer.structuredContent as { results: { collection: string; id: string }[] }).results;
    const uris = [...new Set(hits.map((h) => `thoth://${h.collection}/${h.id}`))];
    expect(links.map((l) => l.uri)).toEqual(uris);
    const read = await client.readResource({ uri: links[0]!.uri! });
    expect((read.contents[0] as { text: string }).text.length).toBeGreaterThan(10);
  });
});
