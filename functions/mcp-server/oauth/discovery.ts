/**
 * The discovery documents under `/.well-known/`: protected resource metadata (RFC 9728) at the root and at the
 * OAuth endpoint's path-suffixed form, and, for an issuer behind a façade, authorization server metadata
 * (RFC 8414). Public and readable from any origin (CORS `*`), as MCP clients running in browsers fetch them. The
 * API-key endpoint has none: `/.well-known/oauth-protected-resource/mcp` is 404, so clients that send a
 * configured header never switch to OAuth.
 */
import { RPC_ERRORS, jsonRpcError } from "../json-rpc.js";
import { AUTHORIZATION_SERVER_PATH, OAUTH_MCP_PATH, PROTECTED_RESOURCE_PATH } from "../../../shared/names.js";
import type { OAuthResourceServer } from "./resource-server.js";

const ALLOWED_METHODS = "GET, HEAD, OPTIONS";
const CORS = { "access-control-allow-origin": "*" };

function documentResponse(request: Request, document: Record<string, unknown>): Response {
  if (request.method === "OPTIONS") {
    const requested = request.headers.get("access-control-request-headers");
    return new Response(null, {
      status: 204,
      headers: {
        ...CORS,
        "access-control-allow-methods": ALLOWED_METHODS,
        "access-control-max-age": "600",
        ...(requested ? { "access-control-allow-headers": requested } : {}),
      },
    });
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return jsonRpcError(405, RPC_ERRORS.methodNotAllowed, "method not allowed; metadata is read with GET", {
      allow: ALLOWED_METHODS,
      ...CORS,
    });
  }
  const body = request.method === "HEAD" ? null : JSON.stringify(document);
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "public, max-age=300", ...CORS },
  });
}

/** The answer for a path under `/.well-known/`; 404 for any document this server does not publish. */
export function wellKnownResponse(request: Request, oauth: OAuthResourceServer | undefined): Response {
  const path = new URL(request.url).pathname.replace(/(.)\/$/, "$1");
  if (oauth) {
    if (path === PROTECTED_RESOURCE_PATH || path === `${PROTECTED_RESOURCE_PATH}${OAUTH_MCP_PATH}`)
      return documentResponse(request, oauth.protectedResourceMetadata(request));
    const facade = oauth.authorizationServerMetadata(request);
    if (facade && path === `${AUTHORIZATION_SERVER_PATH}${OAUTH_MCP_PATH}`)
      return documentResponse(request, facade);
  }
  return jsonRpcError(
    404,
    RPC_ERRORS.notFound,
    oauth
      ? `not found; OAuth clients connect to ${OAUTH_MCP_PATH} and read ${PROTECTED_RESOURCE_PATH}${OAUTH_MCP_PATH}`
      : "not found; this server signs clients in with API keys only",
    CORS,
  );
}
