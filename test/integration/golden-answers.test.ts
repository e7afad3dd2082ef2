/**
 * The server's answers, recorded: every kind of MCP request over a real SDK client against the sample handbook
 * (hybrid, with the deterministic hashing embedder) and a keyword-only collection, plus the refresh summaries
 * that built them. A restructuring must leave these byte for byte (after masking version ids, times and
 * durations); a deliberate change of behaviour updates the file (`vitest -u`) and says so in its commit.
 */
import { describe, expect, it } from "vitest";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { HashingEmbedder } from "../helpers/fake-embedder.js";
import { SAMPLE_HANDBOOK, folderWith } from "../helpers/folders.js";
import { unitCodecs } from "../helpers/knowledge-base.js";
import { MemoryObjectStore } from "../helpers/memory-object-store.js";
import { mcpClient, mcpDeps, testInfo } from "../helpers/mcp-http.js";

/** Version ids, ISO times, durations and ages vary per run; everything else must not. */
function masked(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .replace(/\d{8}T\d{9}Z-[0-9a-f]{6}/g, "<version>")
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, "<time>")
      .replace(/built \d+s ago/g, "built <age>s ago"),
    (key, v: unknown) => (key === "durationMs" || key === "ageSeconds" ? 0 : v),
  );
}

describe("the server's answers (golden)", () => {
  it("are unchanged: tools, searches, documents, listings, resources, prompts, completions, summaries", async () => {
    const store = new MemoryObjectStore();
    const embedder = new HashingEmbedder();
    const summaries = [
      await refreshCollection(
        { store, embedder, ...unitCodecs },
        { collection: "handbook", source: new LocalFolderSource(SAMPLE_HANDBOOK) },
      ),
      await refreshCollection(
        { store, embedder: null, ...unitCodecs },
        {
          collection: "notes",
          source: new LocalFolderSource(
            await folderWith({
              "release.md": "# Release notes\n\n## Zebra\n\nThe zebra release ships on Thursday.",
              "bad.bin": new Uint8Array([0, 1, 2]),
            }),
          ),
          allowKeywordOnly: true,
        },
      ),
    ];
    const kb = await KnowledgeBase.open({ store, embedder, ...unitCodecs, pointerCheckSeconds: 60 });
    const client = await mcpClient(mcpDeps(kb, { info: testInfo("golden", "0.1.0") }));
    const call = (name: string, args: Record<string, unknown> = {}) =>
      client.callTool({ name, arguments: args });
    const firstDoc = (await kb.listDocuments({ collection: "handbook", limit: 1 })).documents[0]!;
    const answers: Record<string, unknown> = {
      summaries,
      initialize: { server: client.getServerVersion(), capabilities: client.getServerCapabilities() },
      "tools/list": await client.listTools(),
      "search hybrid": await call("search_documents", { query: "how do I roll back a deploy", limit: 5 }),
      "search keyword": await call("search_documents", { query: "vacation days", mode: "keyword" }),
      "search semantic in a collection": await call("search_documents", {
        query: "expenses",
        mode: "semantic",
        collection: "handbook",
        limit: 3,
      }),
      "search filtered": await call("search_documents", { query: "on-call", pathPrefix: "engineering/" }),
      "search bad mode": await call("search_documents", { query: "x", mode: "semantic" }),
      "search unknown collection": await call("search_documents", { query: "x", collection: "nope" }),
      "get_document by id": await call("get_document", { id: firstDoc.id, maxChars: 1000 }),
      "get_document by path": await call("get_document", { path: "release.md" }),
      "get_document missing": await call("get_document", { path: "nope.md" }),
      list_documents: await call("list_documents", { limit: 5 }),
      "list_documents page 2": await call("list_documents", {
        limit: 5,
        cursor: ((await call("list_documents", { limit: 5 })).structuredContent as { nextCursor: string })
          .nextCursor,
      }),
      list_collections: await call("list_collections"),
      heartbeat: await call("heartbeat"),
      "resources/list": await client.listResources(),
      "resources/templates/list": await client.listResourceTemplates(),
      "resources/read": await client.readResource({ uri: `thoth://handbook/${firstDoc.id}` }),
      "prompts/list": await client.listPrompts(),
      "prompts/get ask": await client.getPrompt({
        name: "ask",
        arguments: { question: "Who approves expenses?" },
      }),
      "prompts/get summarize": await client.getPrompt({
        name: "summarize_document",
        arguments: { document: "release.md" },
      }),
      "completion collection": await client.complete({
        ref: { type: "ref/prompt", name: "ask" },
        argument: { name: "collection", value: "h" },
      }),
      "completion document": await client.complete({
        ref: { type: "ref/prompt", name: "summarize_document" },
        argument: { name: "document", value: "re" },
      }),
    };
    await client.close();
    await expect(JSON.stringify(masked(answers), null, 1)).toMatchFileSnapshot("__golden__/mcp-answers.json");
  });
});
