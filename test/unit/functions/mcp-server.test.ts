import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { pathFree } from "../../../functions/core/messages.js";
import { HashingEmbedder } from "../../helpers/fake-embedder.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs as codecs } from "../../helpers/knowledge-base.js";
import { mcpClient, mcpDeps } from "../../helpers/mcp-http.js";

const KEY = "unit-test-key";
/** A real SDK client whose fetch calls the server's request handler directly (no socket). */
async function connect(kb: KnowledgeBase, scope?: ReadonlySet<string>): Promise<Client> {
  const authenticate = async (headers: Headers) =>
    headers.get("authorization") === `Bearer ${KEY}` ? { scope } : undefined;
  return mcpClient(mcpDeps(kb, { authenticate }), { headers: { authorization: `Bearer ${KEY}` } });
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
    hybridKb = (
      await knowledgeBaseFrom({ handbook: docs, faq: more }, new HashingEmbedder(), undefined, codecs)
    ).kb;
    keywordKb = (await knowledgeBaseFrom({ handbook: docs }, null, undefined, codecs)).kb;
  });

  const call = async (kb: KnowledgeBase, name: string, args: Record<string, unknown> = {}) => {
    const client = await connect(kb);
    clients.push(client);
    return client.callTool({ name, arguments: args });
  };

  it("lists seven read-only tools with input and output schemas", async () => {
    const client = await connect(hybridKb);
    clients.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "fetch",
      "get_document",
      "heartbeat",
      "list_collections",
      "list_documents",
      "search",
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
        results: { path: string; heading: string; id: string }[];
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
    expect((result.structuredContent as { notices: string[] }).notices).toEqual([
      expect.stringMatching(/^keyword search: /),
    ]);
    const asked = await call(keywordKb, "search_documents", { query: "vacation days", mode: "hybrid" });
    expect((asked.structuredContent as { notices: string[] }).notices[0]).toMatch(/fell back to keyword/);
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
    // The page text names the title once (the document's own heading), then where it comes from.
    const text = (byPath.content as { text: string }[])[0]!.text;
    expect(text.match(/Time off/g)).toHaveLength(1);
    expect(text).toMatch(/^\(handbook: people\/leave\.md\)\n\n# Time off/);
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
    // Page 2 says where it is in the listing, not "1 of 3".
    expect((first.content as { text: string }[])[0]!.text).toMatch(/^Documents 1–2 of 3:/);
    expect((second.content as { text: string }[])[0]!.text).toMatch(/^Documents 3–3 of 3:/);
    expect(second.structuredContent).toMatchObject({ offset: 2, total: 3 });
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

describe("MCP resources, paging, scopes and protocol errors", () => {
  let kb: KnowledgeBase;
  const long = Array.from(
    { length: 40 },
    (_, i) => `## Part ${i}\n\n${"Lorem ipsum dolor sit amet. ".repeat(40)}`,
  ).join("\n\n");

  beforeAll(async () => {
    const many: Record<string, string> = { "guides/long.md": `# Long guide\n\n${long}` };
    for (let i = 0; i < 120; i++)
      many[`notes/note-${String(i).padStart(3, "0")}.md`] = `# Note ${i}\n\nShort note ${i}.`;
    const secret = await folderWith({ "payroll.md": "# Payroll\n\nSalaries are confidential." });
    kb = (
      await knowledgeBaseFrom({ handbook: await folderWith(many), finance: secret }, null, undefined, codecs)
    ).kb;
  });

  const open = async (scope?: ReadonlySet<string>) => {
    const client = await connect(kb, scope);
    clients.push(client);
    return client;
  };

  it("tells a key whose collections are not indexed just that, not that nothing is indexed", async () => {
    const client = await open(new Set(["marketing", "sales"]));
    const listed = await client.callTool({ name: "list_collections", arguments: {} });
    expect((listed.content as { text: string }[])[0]!.text).toBe(
      "None of the collections this API key may read (marketing, sales) is indexed on this server.",
    );
    const searched = await client.callTool({ name: "search_documents", arguments: { query: "salaries" } });
    expect((searched.structuredContent as { notices: string[] }).notices).toEqual([
      "none of the collections this API key may read (marketing, sales) is indexed on this server",
    ]);
  });

  it("lists documents as thoth:// resources, a page at a time", async () => {
    const client = await open();
    const first = await client.listResources();
    expect(first.resources).toHaveLength(100);
    expect(first.resources[0]).toMatchObject({
      uri: expect.stringMatching(/^thoth:\/\/finance\/[0-9a-f]{16}$/),
      mimeType: "text/markdown",
      title: "Payroll",
    });
    const second = await client.listResources({ cursor: first.nextCursor! });
    expect(second.resources).toHaveLength(22);
    expect(second.nextCursor).toBeUndefined();
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: "thoth://{collection}/{id}", mimeType: "text/markdown" }),
    ]);
  });

  it("reads a document resource, and answers -32602 for one that does not exist", async () => {
    const client = await open();
    const { resources } = await client.listResources();
    const payroll = resources.find((r) => r.title === "Payroll")!;
    const read = await client.readResource({ uri: payroll.uri });
    expect(read.contents[0]).toMatchObject({
      uri: payroll.uri,
      mimeType: "text/markdown",
      text: expect.stringContaining("confidential"),
    });
    for (const uri of [
      "thoth://finance/0000000000000000",
      "thoth://finance/..%2F..%2Fetc%2Fpasswd",
      "thoth://nope/abc",
    ]) {
      await expect(client.readResource({ uri })).rejects.toMatchObject({ code: -32602 });
    }
  });

  it("pages through a long document with a cursor", async () => {
    const client = await open();
    let cursor: string | undefined;
    let text = "";
    let pages = 0;
    do {
      const result = await client.callTool({
        name: "get_document",
        arguments: { path: "guides/long.md", maxChars: 5000, ...(cursor ? { cursor } : {}) },
      });
      const page = result.structuredContent as { text: string; totalChars: number; nextCursor?: string };
      expect(page.text.length).toBeLessThanOrEqual(5000);
      text += page.text;
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(5);
    expect(text).toBe(kb.getDocument({ path: "guides/long.md" }).text());
  });

  it("shows a key with an allowlist only its collections, in every tool and resource", async () => {
    const client = await open(new Set(["handbook"]));
    const collections = (await client.callTool({ name: "list_collections", arguments: {} }))
      .structuredContent as { collections: { name: string }[] };
    expect(collections.collections.map((c) => c.name)).toEqual(["handbook"]);
    const search = await client.callTool({
      name: "search_documents",
      arguments: { query: "salaries confidential payroll" },
    });
    expect(
      (search.structuredContent as { results: { collection: string }[] }).results.every(
        (r) => r.collection === "handbook",
      ),
    ).toBe(true);
    const denied = await client.callTool({
      name: "search_documents",
      arguments: { query: "payroll", collection: "finance" },
    });
    expect(denied.isError).toBe(true);
    expect((denied.content as { text: string }[])[0]!.text).toBe(
      'no collection named "finance"; available: handbook',
    );
    const doc = await client.callTool({ name: "get_document", arguments: { path: "payroll.md" } });
    expect(doc.isError).toBe(true);
    const listed = await client.callTool({ name: "list_documents", arguments: { collection: "finance" } });
    expect(listed.isError).toBe(true);
    const all = (await client.callTool({ name: "list_documents", arguments: { limit: 200 } }))
      .structuredContent as { total: number };
    expect(all.total).toBe(121);
    const resources = await client.listResources();
    expect(resources.resources.some((r) => r.uri.startsWith("thoth://finance/"))).toBe(false);
    const payrollId = kb.getDocument({ path: "payroll.md" }).document.id;
    await expect(client.readResource({ uri: `thoth://finance/${payrollId}` })).rejects.toMatchObject({
      code: -32602,
    });
    const beat = (await client.callTool({ name: "heartbeat", arguments: {} })).structuredContent as {
      collections: { name: string }[];
    };
    expect(beat.collections.map((c) => c.name)).toEqual(["handbook"]);
  });

  it("answers a call to an unknown tool with a protocol error", async () => {
    const client = await open();
    await expect(client.callTool({ name: "delete_everything", arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringMatching(/unknown tool "delete_everything"/),
    });
  });

  it("never puts a stack trace, an ARN or a secret in a response when a tool fails unexpectedly", async () => {
    const broken = Object.create(kb) as KnowledgeBase;
    broken.forScope = (scope) => {
      const view = kb.forScope(scope);
      view.search = async () => {
        throw new Error(`AccessDenied: arn:aws:iam::123456789012:role/thoth-dev-mcp cannot read; key=${KEY}`);
      };
      return view;
    };
    const client = await connect(broken);
    clients.push(client);
    const result = await client.callTool({ name: "search_documents", arguments: { query: "anything" } });
    const text = JSON.stringify(result);
    expect(result.isError).toBe(true);
    expect(text).toContain("search_documents failed because of an internal error");
    for (const leak of ["arn:aws", KEY, "    at ", ".ts:"]) expect(text).not.toContain(leak);
  });
});

describe("what callers see of the server's machine", () => {
  it("no file system path: not the folder a collection came from, nor a model directory in heartbeat or notices", async () => {
    const folder = await folderWith({ "a.md": "# Alpha\n\nAlpha text about expenses." });
    const { store } = await knowledgeBaseFrom({ handbook: folder }, new HashingEmbedder(), undefined, codecs);
    const kb = await KnowledgeBase.open({
      store,
      embedder: null,
      embedderUnavailableReason:
        "could not load /var/task/model/Xenova/all-MiniLM-L6-v2/onnx/model_quantized.onnx: ENOENT",
      ...codecs,
    });
    const client = await connect(kb);
    clients.push(client);
    const answers = [
      await client.callTool({ name: "list_collections", arguments: {} }),
      await client.callTool({ name: "heartbeat", arguments: {} }),
      await client.callTool({ name: "search_documents", arguments: { query: "expenses" } }),
    ];
    const text = JSON.stringify(answers);
    expect(text).not.toContain(folder);
    expect(text).not.toContain("/var/task");
    expect(text).toContain("a local folder");
    expect(text).toMatch(/could not load <path>: ENOENT/);
  });

  it("pathFree keeps URLs, relative paths and model ids", () => {
    expect(pathFree("scandir '/home/me/docs' failed")).toBe("scandir '<path>' failed");
    expect(pathFree("see https://gitlab.com/a/b and s3://bucket/x/ and on-call/rotation.md")).toBe(
      "see https://gitlab.com/a/b and s3://bucket/x/ and on-call/rotation.md",
    );
    expect(pathFree("built with Xenova/all-MiniLM-L6-v2")).toBe("built with Xenova/all-MiniLM-L6-v2");
  });
});

describe("prompts and completions over the SDK client", () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = (
      await knowledgeBaseFrom(
        {
          handbook: await folderWith({
            "people/leave.md": "# Time off\n\nTake 25 days a year.",
            "people/expenses.md": "# Expenses\n\nReceipts within 30 days.",
          }),
          finance: await folderWith({ "payroll.md": "# Payroll\n\nSalaries are confidential." }),
        },
        null,
        undefined,
        codecs,
      )
    ).kb;
  });
  const open = async (scope?: ReadonlySet<string>) => {
    const client = await connect(kb, scope);
    clients.push(client);
    return client;
  };
  const text = (r: { messages: { content: { type: string; text?: string } }[] }) =>
    r.messages.map((m) => m.content.text ?? "").join("\n");

  it("declares prompts and completions, and lists ask and summarize_document with their arguments", async () => {
    const client = await open();
    expect(client.getServerCapabilities()).toMatchObject({
      prompts: { listChanged: false },
      completions: {},
    });
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => [p.name, p.arguments?.map((a) => [a.name, a.required ?? false])])).toEqual([
      [
        "ask",
        [
          ["question", true],
          ["collection", false],
        ],
      ],
      ["summarize_document", [["document", true]]],
    ]);
  });

  it("builds a server for the request's methods: one for tool calls lists no prompts, the others all of them", async () => {
    const built: string[][] = [];
    const deps = mcpDeps(kb);
    const client = await mcpClient(
      {
        ...deps,
        createServer: (principal, methods) => {
          built.push([...methods]);
          // What a request that only calls tools is served by, whatever this one asks.
          return deps.createServer(principal, ["tools/call"]);
        },
      },
      { headers: { authorization: `Bearer ${KEY}` } },
    );
    clients.push(client);
    expect((await client.listPrompts()).prompts).toEqual([]);
    expect(built.at(-1)).toEqual(["prompts/list"]);
    await client.callTool({ name: "heartbeat", arguments: {} });
    expect(built.at(-1)).toEqual(["tools/call"]);
    expect((await (await open()).listPrompts()).prompts.map((p) => p.name)).toEqual([
      "ask",
      "summarize_document",
    ]);
  });

  it("ask tells the model to search, read and cite; in a collection the key may read", async () => {
    const client = await open(new Set(["handbook"]));
    const prompt = await client.getPrompt({
      name: "ask",
      arguments: { question: "How many vacation days?", collection: "handbook" },
    });
    expect(text(prompt)).toMatch(/How many vacation days\?/);
    expect(text(prompt)).toMatch(/search_documents .*collection "handbook"/);
    expect(text(prompt)).toMatch(/get_document/);
    expect(text(prompt)).toMatch(/[Cc]ite every source by title and URL/);
    await expect(
      client.getPrompt({ name: "ask", arguments: { question: "Salaries?", collection: "finance" } }),
    ).rejects.toMatchObject({
      code: -32602,
      message: expect.stringMatching(/no collection named "finance"; available: handbook/),
    });
  });

  it("summarize_document takes an id or a path, and only of a document the key may read", async () => {
    const client = await open(new Set(["handbook"]));
    const byPath = await client.getPrompt({
      name: "summarize_document",
      arguments: { document: "people/leave.md" },
    });
    expect(text(byPath)).toMatch(/Summarize the document "Time off" \(people\/leave\.md\)/);
    const id = kb.getDocument({ path: "people/leave.md" }).document.id;
    const byId = await client.getPrompt({ name: "summarize_document", arguments: { document: id } });
    expect(text(byId)).toContain(`get_document (id ${id}`);
    // Missing and forbidden look the same, with the code of every other missing resource.
    await expect(
      client.getPrompt({ name: "summarize_document", arguments: { document: "payroll.md" } }),
    ).rejects.toMatchObject({
      code: -32602,
      message: expect.stringMatching(/no document with path "payroll.md"/),
    });
  });

  it("completes collection names and document ids or paths, filtered by the key", async () => {
    const all = await open();
    const scoped = await open(new Set(["handbook"]));
    const collection = (client: Client, value: string) =>
      client.complete({ ref: { type: "ref/prompt", name: "ask" }, argument: { name: "collection", value } });
    expect((await collection(all, "")).completion.values).toEqual(["finance", "handbook"]);
    expect((await collection(all, "h")).completion.values).toEqual(["handbook"]);
    expect((await collection(scoped, "")).completion.values).toEqual(["handbook"]);
    const document = await scoped.complete({
      ref: { type: "ref/prompt", name: "summarize_document" },
      argument: { name: "document", value: "people/e" },
    });
    expect(document.completion.values).toEqual(["people/expenses.md"]);
    const templateCollection = await scoped.complete({
      ref: { type: "ref/resource", uri: "thoth://{collection}/{id}" },
      argument: { name: "collection", value: "" },
    });
    expect(templateCollection.completion.values).toEqual(["handbook"]);
    const payrollId = kb.getDocument({ path: "payroll.md" }).document.id;
    const ids = await all.complete({
      ref: { type: "ref/resource", uri: "thoth://{collection}/{id}" },
      argument: { name: "id", value: "" },
      context: { arguments: { collection: "finance" } },
    });
    expect(ids.completion.values).toEqual([payrollId]);
    const hidden = await scoped.complete({
      ref: { type: "ref/resource", uri: "thoth://{collection}/{id}" },
      argument: { name: "id", value: payrollId.slice(0, 4) },
      context: { arguments: { collection: "finance" } },
    });
    expect(hidden.completion.values).not.toContain(payrollId);
  });
});
