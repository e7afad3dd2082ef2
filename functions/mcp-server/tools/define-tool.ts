/**
 * The shape of a tool module, owned in one place: a tool file states its name, words, input and output
 * schemas and what one call does; `defineTool` registers it on a per-request server with the read-only
 * annotations, error handling, logging and metrics every tool shares (tool-results.ts).
 */
import type { McpServer, ResourceLink } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ServerDeps } from "../deps.js";
import { runTool, toolResult } from "../tool-results.js";

/** Every Thoth tool only reads, and only from the indexed bundles. */
export const READ_ONLY = { readOnlyHint: true, openWorldHint: false } as const;

/** What one call answers: structured content for programs, and the same facts as text for models. */
export interface ToolAnswer {
  structured: Record<string, unknown>;
  text: string;
  /** `resource_link` items after the text: the thoth:// resources the answer names. */
  links?: ResourceLink[];
}

export interface ToolDefinition<Input extends z.ZodRawShape> {
  /** The tool's MCP name (snake_case). */
  name: string;
  title: string;
  description: string;
  /** Built once per cold start, not per request: the server itself is rebuilt for every request. */
  input: Input;
  output: z.ZodRawShape;
  /** One call, with the request's dependencies. A ThothError it throws becomes a tool error for the model. */
  run(args: z.output<z.ZodObject<Input>>, deps: ServerDeps): ToolAnswer | Promise<ToolAnswer>;
}

/** A tool as the server registers it. */
export interface ToolModule {
  readonly name: string;
  /** Registers the tool on a per-request server, with that request's dependencies. */
  register(server: McpServer, deps: ServerDeps): void;
}

export function defineTool<Input extends z.ZodRawShape>(definition: ToolDefinition<Input>): ToolModule {
  const { name, title, description } = definition;
  // JSON Schema 2020-12 on the wire (the SDK converts), for both protocol eras.
  const inputSchema = z.object(definition.input);
  const outputSchema = z.object(definition.output);
  // The SDK turns the output schema into JSON Schema once per registered tool, which here is once per request
  // (a quarter of a millisecond, profiled under load); the first conversion serves every later server.
  let outputSchemaJson: Record<string, unknown> | undefined;
  return {
    name,
    register(server, deps) {
      const tool = server.registerTool(
        name,
        { title, description, inputSchema, outputSchema, annotations: READ_ONLY },
        (args: z.output<typeof inputSchema>) =>
          runTool(name, async () => {
            const { structured, text, links } = await definition.run(args, deps);
            return toolResult(structured, text, links);
          }),
      );
      if (outputSchemaJson) tool.outputSchemaJson = outputSchemaJson;
      else outputSchemaJson = tool.outputSchemaJson;
    },
  };
}
