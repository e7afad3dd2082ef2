import type { CallToolResult, ResourceLink } from "@modelcontextprotocol/server";
import { ThothError } from "../core/errors.js";
import { logger } from "../lib/logger.js";
import { recordToolCall } from "../lib/metrics.js";

/**
 * A successful tool result: structured content for programs, the same facts as text for models, then links to
 * the resources it names (for clients that open them).
 */
export function toolResult(
  structured: Record<string, unknown>,
  text: string,
  links: ResourceLink[] = [],
): CallToolResult {
  return { content: [{ type: "text", text }, ...links], structuredContent: structured };
}

/**
 * Errors a model can act on (bad argument, unknown document) come back as `isError` results with the
 * sentence saying what to do; anything else is logged and answered with a generic sentence.
 */
export function toolError(tool: string, error: unknown): CallToolResult {
  if (error instanceof ThothError) {
    return { isError: true, content: [{ type: "text", text: error.message }] };
  }
  logger.error("tool failed", { tool, error: error as Error });
  return {
    isError: true,
    content: [{ type: "text", text: `${tool} failed because of an internal error; try again shortly.` }],
  };
}

/** Runs a tool body, turning thrown errors into tool errors. */
export async function runTool(
  tool: string,
  body: () => Promise<CallToolResult> | CallToolResult,
): Promise<CallToolResult> {
  const started = performance.now();
  let result: CallToolResult;
  try {
    result = await body();
  } catch (error) {
    result = toolError(tool, error);
  }
  const durationMs = Math.round(performance.now() - started);
  logger.info("tool call", { tool, durationMs, ...(result.isError ? { isError: true } : {}) });
  recordToolCall(tool, durationMs, !!result.isError);
  return result;
}
