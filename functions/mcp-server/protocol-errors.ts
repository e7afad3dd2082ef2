/**
 * Core errors as the protocol errors of methods that are not tools (resources, prompts): a tool reports a
 * missing document as a tool result a model can act on, but `resources/read` and `prompts/get` can only fail.
 */
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { InvalidRequestError, NotFoundError } from "../core/errors.js";
import { RPC_ERRORS } from "./json-rpc.js";

/** Runs `read`, turning a missing collection or document into -32002 (MCP's resource not found) and a bad argument into -32602; anything else goes up. */
export function asProtocolErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new McpError(RPC_ERRORS.resourceNotFound, `resource not found: ${error.message}`);
    if (error instanceof InvalidRequestError) throw new McpError(ErrorCode.InvalidParams, error.message);
    throw error;
  }
}
