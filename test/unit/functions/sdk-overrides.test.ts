import {
  McpServer,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  declareNoListChanged,
  replaceResourceListing,
  unknownToolError,
} from "../../../functions/mcp-server/sdk-overrides.js";
import { mcpPost } from "../../helpers/mcp-http.js";

/** The SDK alone, as Thoth serves a 2025-era request: a stateless JSON transport per request. */
async function ask(server: McpServer, method: string, params: object = {}) {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const response = await transport.handleRequest(mcpPost({ jsonrpc: "2.0", id: 1, method, params }));
  await server.close();
  return (await response.json()) as { result?: Record<string, unknown>; error?: { code: number } };
}

function serverWithOneToolAndResource(): McpServer {
  const server = new McpServer({ name: "pin", version: "1" });
  server.registerTool("known", { inputSchema: z.object({ x: z.string().optional() }) }, () => ({
    content: [],
  }));
  server.registerResource("doc", new ResourceTemplate("pin://{id}", { list: undefined }), {}, () => ({
    contents: [],
  }));
  return server;
}

const initialize = {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "pin", version: "1" },
};

describe("the SDK behaviour Thoth's overrides rely on", () => {
  it("answers an unknown tool with -32602 but no word of what to do (so http.ts answers it first)", async () => {
    const answer = (await ask(serverWithOneToolAndResource(), "tools/call", {
      name: "nope",
      arguments: {},
    })) as {
      error?: { code: number; message: string };
    };
    expect(answer.error).toMatchObject({ code: -32602 });
    expect(answer.error!.message).not.toMatch(/tools\/list/);
    expect(
      unknownToolError(
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "nope" } },
        new Set(["known"]),
      ),
    ).toMatchObject({
      error: { code: -32602 },
      id: 1,
    });
  });

  it("lets a later setRequestHandler replace the resource listing it installs", async () => {
    const plain = await ask(serverWithOneToolAndResource(), "resources/list");
    expect(plain.result!.resources).toEqual([]);
    const server = serverWithOneToolAndResource();
    replaceResourceListing(server, (cursor) => ({
      resources: [{ uri: "pin://1", name: `page ${cursor ?? "first"}` }],
      nextCursor: "2",
    }));
    const replaced = await ask(server, "resources/list");
    expect(replaced.result).toMatchObject({
      resources: [{ uri: "pin://1", name: "page first" }],
      nextCursor: "2",
    });
  });

  it("declares listChanged: true on registration, and lets capabilities registered later win", async () => {
    const plain = await ask(serverWithOneToolAndResource(), "initialize", initialize);
    expect(plain.result!.capabilities).toMatchObject({
      tools: { listChanged: true },
      resources: { listChanged: true },
    });
    const server = serverWithOneToolAndResource();
    declareNoListChanged(server);
    const declared = await ask(server, "initialize", initialize);
    expect(declared.result!.capabilities).toMatchObject({
      tools: { listChanged: false },
      resources: { listChanged: false },
    });
  });
});
