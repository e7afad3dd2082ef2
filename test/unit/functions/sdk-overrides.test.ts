import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  declareNoListChanged,
  replaceResourceListing,
  unknownToolError,
} from "../../../functions/mcp-server/sdk-overrides.js";
import { mcpPost } from "../../helpers/mcp-http.js";

/** The SDK alone, as Thoth uses it: a stateless JSON transport per request. */
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
  server.registerTool("known", { inputSchema: { x: z.string().optional() } }, () => ({ content: [] }));
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
  it("answers an unknown tool with a tool result, not a JSON-RPC error (so http.ts answers it first)", async () => {
    const answer = await ask(serverWithOneToolAndResource(), "tools/call", { name: "nope", arguments: {} });
    expect(answer.error).toBeUndefined();
    expect(answer.result!.isError).toBe(true);
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
