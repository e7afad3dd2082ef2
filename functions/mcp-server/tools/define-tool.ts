/**
 * The shape of a tool module, owned in one place: a tool file states its name, words, input and output
 * schemas and what one call does; `defineTool` registers it on a per-request server with the read-only
 * annotations, error handling, logging and metrics every tool shares (tool-results.ts).
 */
import type { McpServer, ToolCallback } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ShapeOutput, ZodRawShapeCompat } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import type { ServerDeps } from "../deps.js";
import { runTool, toolResult } from "../tool-results.js";

/** Every Thoth tool only reads, and only from the indexed bundles. */
export const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

/** What one call answers: structured content for programs, and the same facts as text for models. */
export interface ToolAnswer {
  structured: Record<string, unknown>;
  text: string;
}

export interface ToolDefinition<Input extends ZodRawShapeCompat> {
  /** The tool's MCP name (snake_case). */
  name: string;
  title: string;
  description: string;
  /** Built once per cold start, not per request: the server itself is rebuilt for every request. */
  input: Input;
  output: ZodRawShapeCompat;
  /** One call, with the request's dependencies. A ThothError it throws becomes a tool error for the model. */
  run(args: ShapeOutput<Input>, deps: ServerDeps): ToolAnswer | Promise<ToolAnswer>;
}

/** A tool as the server registers it. */
export interface ToolModule {
  readonly name: string;
  /** Registers the tool on a per-request server, with that request's dependencies. */
  register(server: McpServer, deps: ServerDeps): void;
}

export function defineTool<Input extends ZodRawShapeCompat>(definition: ToolDefinition<Input>): ToolModule {
  const { name, title, description, input, output } = definition;
  return {
    name,
    register(server, deps) {
      const call = (args: ShapeOutput<Input>) =>
        runTool(name, async () => {
          const { structured, text } = await definition.run(args, deps);
          return toolResult(structured, text);
        });
      server.registerTool(
        name,
        { title, description, inputSchema: input, outputSchema: output, annotations: READ_ONLY },
        // The SDK's callback type is conditional on the shape, which TypeScript cannot resolve for a generic one.
        call as unknown as ToolCallback<Input>,
      );
    },
  };
}
