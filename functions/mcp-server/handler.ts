import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { stackOf } from "../../shared/config.js";
import { logger } from "../lib/logger.js";
import { createMetrics, metricsEnabled } from "../lib/metrics.js";
import { openMcpApp, type McpApp } from "./app.js";
import { BadRequestError, eventToRequest, responseToResult } from "./api-gateway.js";
import { RPC_ERRORS, jsonRpcError } from "./json-rpc.js";

export type McpLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A Lambda handler whose dependencies are built on the first event and reused (retried if that failed). */
export function createHandler(open: () => Promise<McpApp> = () => openMcpApp()): McpLambdaHandler {
  let app: Promise<McpApp> | undefined;
  let coldStart = true;
  return async (event, context) => {
    // Every log line of this invocation carries the request id and the cold-start flag (Powertools context).
    if (context) logger.addContext(context);
    if (coldStart) {
      coldStart = false;
      if (metricsEnabled()) createMetrics(stackOf(process.env)).captureColdStartMetric();
    }
    app ??= open().catch((error: unknown) => {
      app = undefined;
      throw error;
    });
    let ready: McpApp;
    try {
      ready = await app;
    } catch (error) {
      logger.error("cold start failed", { error: error as Error });
      return responseToResult(
        jsonRpcError(
          503,
          RPC_ERRORS.internal,
          "the server is starting up or misconfigured; try again shortly",
        ),
      );
    }
    let request: Request;
    try {
      request = eventToRequest(event);
    } catch (error) {
      // A request web standards cannot even represent (TRACE, a malformed Host): a logged 4xx, never a 500.
      logger.warn("request refused before parsing", { reason: (error as Error).message });
      const status = error instanceof BadRequestError ? error.status : 400;
      return responseToResult(jsonRpcError(status, RPC_ERRORS.invalidRequest, (error as Error).message));
    }
    return responseToResult(await ready.handle(request));
  };
}

export const handler = createHandler();
