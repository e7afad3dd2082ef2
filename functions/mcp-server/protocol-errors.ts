/**
 * Core errors as the protocol errors of methods that are not tools (resources, prompts): a tool reports a
 * missing document as a tool result a model can act on, but `resources/read` and `prompts/get` can only fail.
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { InvalidRequestError, NotFoundError } from "../core/errors.js";

/** MCP's code for a resource that does not exist: used for every missing collection or document. */
export const RESOURCE_NOT_FOUND = -32002;

/** Runs `read`, turning a missing thing into -32002 and a bad argument into -32602; anything else goes up. */
export function asProtocolErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new McpError(RESOURCE_NOT_FOUND, `resource not found: ${error.message}`);
    if (error instanceof InvalidRequestError) throw new McpError(ErrorCode.InvalidParams, error.message);
    throw error;
  }
}
