import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { handleMcpRequest } from "../../../functions/mcp-server/http.js";
import { createMcpServer } from "../../../functions/mcp-server/server.js";
import { HashingEmbedder } from "../../helpers/fake-embedder.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom } from "../../helpers/knowledge-base.js";

const KEY = "unit-test-key";
const info = { name: "thoth", version: "0.0.0-test", stack: "unit" };

/** A real SDK client whose fetch calls the server's request handler directly (no socket). */
async function connect(kb: KnowledgeBase): Promise<Client> {
  const client = new Client({ name: "unit-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("http://localhost/mcp"), {
    requestInit: { headers: { authorization: `Bearer ${KEY}` } },
    fetch: (url, init) =>
      handleMcpRequest(new Request(url, init), {
        createServer: () => createMcpServer({ kb, info }),
        authenticate: async (headers) => headers.get("authorization") === `Bearer ${KEY}`,
      }),
  });
  await client.connect(transport);
  return client;
}

let clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
});

describe("MCP tools over a real SDK client", () => {
  let hybridKb: KnowledgeBase;
  let keywordKb: KnowledgeBase;

  beforeAll(async () => {
    const docs = await folderWith({
      "ops/deploys.md":
        "# Deploys\n\n## Rolling back\n\nPress Redeploy on the previous pipeline to roll back a release.",
      "people/leave.md": "# Time off\n\nEveryone has 25 days of vacation per year.",
      "people/expenses.md": "# Expenses\n\nFile receipts in the expense app within 90 days.",
    });
    const more = await folderWith({ "faq.txt": "Vacation questions go to the people team." });
    hybridKb = (await knowledgeBaseFrom({ handbook: docs, faq: more }, new HashingEmbedder())).kb;
    keywordKb = (await knowledgeBaseFrom({ handbook: docs }, null)).kb;
  });

  const call = async (kb: KnowledgeBase, name: string, args: Record<string, unknown> = {}) => {
    const client = await connect(kb);
    clients.push(client);
    return client.callTool({ name, arguments: args });
  };

  it("lists five read-only tools with input and output schemas", async () => {
    const client = await connect(hybridKb);
    clients.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "get_document",
      "heartbeat",
      "list_collections",
      "list_documents",
      "search_documents",
    ]);
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint).toBe(true);
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.inputSchema.type).toBe("object");
    }
  });

  it("finds the right passage with citations in every mode", async () => {
    for (const mode of ["hybrid", "semantic", "keyword"]) {
      const result = await call(hybridKb, "search_documents", {
        query: "roll back a release",
        mode,
        collection: "handbook",
      });
      const structured = result.structuredContent as {
        mode: string;
        results: { path: string; heading: string; docId: string }[];
      };
      expect(structured.mode).toBe(mode);
      expect(structured.results[0]).toMatchObject({
        path: "ops/deploys.md",
        heading: "Deploys › Rolling back",
      });
      const text = (result.content as { text: string }[])[0]!.text;
      expect(text).toContain("1. Deploys › Rolling back (ops/deploys.md)");
    }
  });

  it("searches across collections when none is named", async () => {
    const result = await call(hybridKb, "search_documents", { query: "vacation" });
    const collections = (result.structuredContent as { results: { collection: string }[] }).results.map(
      (r) => r.collection,
    );
    expect(new Set(collections)).toEqual(new Set(["handbook", "faq"]));
  });

  it("falls back to keyword mode without a model and says so", async () => {
    const result = await call(keywordKb, "search_documents", { query: "vacation days" });
    const structured = result.structuredContent as { mode: string; results: { path: string }[] };
    expect(structured.mode).toBe("keyword");
    expect(structured.results[0]!.path).toBe("people/leave.md");
    expect((result.structuredContent as { notices: string[] }).notices[0]).toMatch(/fell back to keyword/);
  });

  it("answers semantic mode without a model with an actionable tool error", async () => {
    const result = await call(keywordKb, "search_documents", { query: "vacation", mode: "semantic" });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]!.text).toMatch(/use mode "keyword" or "hybrid"/);
  });

  it("rejects invalid arguments as a tool error", async () => {
    const result = await call(hybridKb, "search_documents", { query: "", limit: 500 });
    expect(result.isError).toBe(true);
  });

  it("reads a document by path and by id", async () => {
    const byPath = await call(hybridKb, "get_document", { path: "people/leave.md" });
    const doc = byPath.structuredContent as { id: string; title: string; text: string; collection: string };
    expect(doc).toMatchObject({ title: "Time off", collection: "handbook" });
    expect(doc.text).toContain("25 days");
    const byId = await call(hybridKb, "get_document", { id: doc.id });
    expect(byId.structuredContent).toEqual(doc);
  });

  it("says how to find a document that does not exist", async () => {
    const result = await call(hybridKb, "get_document", { path: "../../etc/passwd" });
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]!.text).toMatch(/no document with path.*list_documents/);
  });

  it("pages through documents with a cursor and filters by prefix", async () => {
    const first = await call(hybridKb, "list_documents", { collection: "handbook", limit: 2 });
    const page1 = first.structuredContent as {
      documents: { path: string }[];
      nextCursor?: string;
      total: number;
    };
    expect(page1.total).toBe(3);
    expect(page1.documents.map((d) => d.path)).toEqual(["ops/deploys.md", "people/expenses.md"]);
    const second = await call(hybridKb, "list_documents", {
      collection: "handbook",
      limit: 2,
      cursor: page1.nextCursor,
    });
    expect(
      (second.structuredContent as { documents: { path: string }[] }).documents.map((d) => d.path),
    ).toEqual(["people/leave.md"]);
    const filtered = await call(hybridKb, "list_documents", { pathPrefix: "people/" });
    expect((filtered.structuredContent as { total: number }).total).toBe(2);
    const bad = await call(hybridKb, "list_documents", { cursor: "not-a-cursor" });
    expect(bad.isError).toBe(true);
  });

  it("lists collections with counts, version and modes", async () => {
    const result = await call(hybridKb, "list_collections");
    const { collections } = result.structuredContent as {
      collections: { name: string; documents: number; modes: string[]; model: string }[];
    };
    expect(collections.map((c) => [c.name, c.documents, c.model])).toEqual([
      ["faq", 1, "test/hashing"],
      ["handbook", 3, "test/hashing"],
    ]);
    expect(collections[0]!.modes).toEqual(["hybrid", "semantic", "keyword"]);
  });

  it("reports ok with a model and degraded keyword mode without one", async () => {
    const ok = (await call(hybridKb, "heartbeat")).structuredContent as Record<string, unknown>;
    expect(ok).toMatchObject({ status: "ok", stack: "unit", embeddingModel: "test/hashing", degraded: [] });
    const degraded = (await call(keywordKb, "heartbeat")).structuredContent as {
      status: string;
      searchModes: string[];
      degraded: string[];
    };
    expect(degraded.status).toBe("degraded");
    expect(degraded.searchModes).toEqual(["keyword"]);
    expect(degraded.degraded[0]).toMatch(/handbook: keyword search only/);
  });
});
