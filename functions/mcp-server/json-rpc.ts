/**
 * JSON-RPC as Thoth answers it outside the SDK: the error codes, error and JSON responses, and the one error
 * convention every method's errors are brought to, whatever part of the SDK raised them.
 */

/** JSON-RPC error codes used outside the SDK's own handling. */
export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  invalidParams: -32602,
  internal: -32603,
  unauthorized: -32001,
  notFound: -32004,
  methodNotAllowed: -32005,
  tooLarge: -32006,
  forbidden: -32007,
  /**
   * A missing resource or document. 2026-07-28 makes it -32602 (invalid params); the SDK sends -32602 on every
   * revision, and clients accept the older -32002 too.
   */
  resourceNotFound: -32602,
} as const;

export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The answer to a request without a valid key (also sent by the local server before it reads a body). */
export const unauthorized = () =>
  jsonRpcError(
    401,
    RPC_ERRORS.unauthorized,
    "missing or invalid API key; send Authorization: Bearer <key> or x-api-key",
    { "www-authenticate": 'Bearer realm="thoth"' },
  );

/** A 200 JSON answer. */
export const jsonResponse = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });

interface RpcErrorObject {
  code: number;
  message: string;
  /** Kept as the SDK sent it (e.g. -32022's supported versions, a missing resource's uri). */
  data?: unknown;
}

/**
 * One error convention for every method, whatever part of the SDK raised it: invalid params are -32602 with a
 * short sentence (not a zod dump, not "internal error"); a missing resource says what resources look like;
 * messages carry no "MCP error <code>:" prefix (clients add their own, which doubled it).
 */
export function normalizeRpcError(error: RpcErrorObject, method: unknown): RpcErrorObject {
  const message = error.message.replace(/^(MCP error -?\d+: )+/, "");
  // The SDK's schema failures: a zod issue list, alone or after "Invalid <method> request: ".
  const issues = message.replace(/^Invalid [\w/]+ request: /, "");
  if (issues.startsWith("[")) {
    try {
      const [issue] = JSON.parse(issues) as { path?: (string | number)[]; message?: string }[];
      if (issue?.message) {
        const where = (issue.path ?? []).join(".");
        return {
          code: RPC_ERRORS.invalidParams,
          message: `invalid params${where ? ` (${where})` : ""}: ${issue.message}`,
        };
      }
    } catch {
      // not a zod dump after all
    }
  }
  if (method === "resources/read" && /^(Invalid URL|Resource URI .* is invalid$)/.test(message)) {
    return {
      code: RPC_ERRORS.invalidParams,
      message: "invalid params (params.uri): not a valid URI; resources are thoth://<collection>/<doc-id>",
    };
  }
  // The SDK's own miss: a URI no resource template matches.
  const missing = /^Resource not found: (.*)$/.exec(message)?.[1];
  if (method === "resources/read" && missing !== undefined) {
    return {
      code: RPC_ERRORS.resourceNotFound,
      message: `resource not found: ${missing.slice(0, 200)}; resources are thoth://<collection>/<doc-id>`,
      ...(error.data === undefined ? {} : { data: error.data }),
    };
  }
  return { code: error.code, message, ...(error.data === undefined ? {} : { data: error.data }) };
}

/** Every error of a JSON-RPC answer (or batch of answers) in the one convention of normalizeRpcError. */
export function normalizeErrors(body: unknown, methods: Map<unknown, unknown>): unknown {
  const fix = (answer: unknown) => {
    const a = answer as { id?: unknown; error?: RpcErrorObject } | null;
    return a?.error ? { ...a, error: normalizeRpcError(a.error, methods.get(a.id)) } : answer;
  };
  return Array.isArray(body) ? body.map(fix) : fix(body);
}
