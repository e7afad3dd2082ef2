/**
 * Core errors as the protocol errors of methods that are not tools (resources, prompts): a tool reports a
 * missing document as a tool result a model can act on, but `resources/read` and `prompts/get` can only fail.
 */
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import { InvalidRequestError, NotFoundError } from "../core/errors.js";
import { RPC_ERRORS } from "./json-rpc.js";

/** Runs `read`, turning a missing collection or document and a bad argument into -32602 (2026-07-28 gives a missing resource that code too); anything else goes up. */
export function asProtocolErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NotFoundError)
      throw new ProtocolError(RPC_ERRORS.resourceNotFound, `resource not found: ${error.message}`);
    if (error instanceof InvalidRequestError)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
    throw error;
  }
}
