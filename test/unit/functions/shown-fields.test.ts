import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { StoredDocument } from "../../../functions/core/bundle.js";
import { MAX_LISTING_PAGE_BYTES, documentFacts, listDocuments } from "../../../functions/core/documents.js";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { MAX_TITLE_CHARS } from "../../../functions/core/labels.js";
import type { LoadedCollection } from "../../../functions/core/read-model.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs } from "../../helpers/knowledge-base.js";
import { mcpClient, mcpDeps } from "../../helpers/mcp-http.js";

const stored = (over: Partial<StoredDocument>): StoredDocument =>
  ({
    id: "0123456789abcdef",
    path: "a.md",
    title: "A",
    source: "local",
    contentHash: "h",
    firstChunk: 0,
    chunkCount: 1,
    ...over,
  }) as StoredDocument;

describe("fields shown to callers", () => {
  it("are printable and bounded even when a bundle built before the bounds holds a 1 MB title", () => {
    const facts = documentFacts(
      "c",
      stored({ title: `x${"\u0001".repeat(1_000_000)}`, url: `https://x/${"a".repeat(5000)}` }),
    );
    expect(facts.title).toBe("x…");
    expect(facts).not.toHaveProperty("url");
    expect(documentFacts("c", stored({ title: "t".repeat(10_000) })).title.length).toBe(MAX_TITLE_CHARS);
  });

  it("listing pages stop at MAX_LISTING_PAGE_BYTES as well as at the limit, and the cursor goes on from there", () => {
    const documents = Array.from({ length: 200 }, (_, i) =>
      stored({
        id: `${i}`.padStart(16, "0"),
        path: `${String(i).padStart(4, "0")}/${"p".repeat(1000)}.md`,
        title: "t".repeat(200),
        metadata: { description: "d".repeat(1000) },
      }),
    );
    const collection = { name: "c", documents } as unknown as LoadedCollection;
    const first = listDocuments([collection], { limit: 200 });
    expect(first.documents.length).toBeGreaterThan(100);
    expect(first.documents.length).toBeLessThan(200);
    expect(Buffer.byteLength(JSON.stringify(first.documents))).toBeLessThanOrEqual(MAX_LISTING_PAGE_BYTES);
    const second = listDocuments([collection], { limit: 200, cursor: first.nextCursor! });
    expect(second.documents[0]!.path).toBe(documents[first.documents.length]!.path);
    expect(first.documents.length + second.documents.length).toBe(200);
    expect(second.nextCursor).toBeUndefined();
  });
});

describe("one document with a 1 MB title of control characters", () => {
  let kb: KnowledgeBase;
  let clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });

  beforeAll(async () => {
    // The reproduction: "# x" + "\x01" × 1,000,000, beside an ordinary page in another collection.
    const bad = await folderWith({ "t.md": `# x${"\u0001".repeat(1_000_000)}\n\nrollback deploy\n` });
    const good = await folderWith({ "ops.md": "# Deploys\n\nHow to deploy and roll back a release." });
    kb = (await knowledgeBaseFrom({ bad, good }, null, undefined, unitCodecs)).kb;
  });

  async function client(): Promise<Client> {
    const c = await mcpClient(mcpDeps(kb), {
      // Every answer stays small: nothing about the bad document is larger than a normal one's.
      onResponse: async (response) =>
        expect(Buffer.byteLength(await response.text())).toBeLessThan(16 * 1024),
    });
    clients.push(c);
    return c;
  }

  it("hides nothing: listings, searches, documents and prompts answer, with the title cleaned", async () => {
    const c = await client();
    const resources = await c.listResources();
    expect(resources.resources.map((r) => r.title).sort()).toEqual(["Deploys", "x"]);
    const search = await c.callTool({ name: "search_documents", arguments: { query: "deploy" } });
    const results = (search.structuredContent as { results: { collection: string; title: string }[] })
      .results;
    expect(results.map((r) => r.collection).sort()).toEqual(["bad", "good"]);
    const listed = await c.callTool({ name: "list_documents", arguments: { collection: "bad", limit: 1 } });
    expect(listed.isError).toBeFalsy();
    const got = await c.callTool({ name: "get_document", arguments: { path: "t.md" } });
    expect(got.isError).toBeFalsy();
    const prompt = await c.getPrompt({ name: "summarize_document", arguments: { document: "t.md" } });
    expect(JSON.stringify(prompt)).toContain('Summarize the document \\"x\\"');
  });
});
