import { SignJWT, exportSPKI, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KnowledgeBase } from "../../../functions/core/knowledge-base.js";
import { handleMcpRequest, type McpHttpDeps } from "../../../functions/mcp-server/http.js";
import { openMcpApp } from "../../../functions/mcp-server/app.js";
import { AccessTokenVerifier } from "../../../functions/mcp-server/oauth/access-token.js";
import { OAuthResourceServer } from "../../../functions/mcp-server/oauth/resource-server.js";
import { OAuthSettingError, parseOAuthSettings, type OAuthSettings } from "../../../shared/oauth-settings.js";
import { captureLogs } from "../../helpers/capture-logs.js";
import { folderWith } from "../../helpers/folders.js";
import { knowledgeBaseFrom, unitCodecs } from "../../helpers/knowledge-base.js";
import { mcpDeps, mcpPost } from "../../helpers/mcp-http.js";
import { TEST_AUDIENCE, TEST_ISSUER, startTestIssuer, type TestIssuer } from "../../helpers/test-issuer.js";

const OAUTH_URL = "http://localhost/mcp/oauth";
const SCOPE = "thoth-unit/mcp";
// JSON answers, read field by field below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const settingsJson = (jwksUrl: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    issuer: TEST_ISSUER,
    jwksUrl,
    audiences: [TEST_AUDIENCE],
    scopes: [SCOPE],
    groupsClaim: "cognito:groups",
    groups: [
      { group: "eng", collections: ["docs"] },
      { group: "admins" },
      { group: "sales", collections: ["sales"] },
    ],
    ...extra,
  });

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};
const listCollections = {
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "list_collections", arguments: {} },
};
const v2025 = { "mcp-protocol-version": "2025-11-25" };

describe("the OAuth endpoint: a resource server beside the API-key endpoint", () => {
  let issuer: TestIssuer;
  let settings: OAuthSettings;
  let deps: McpHttpDeps;
  let keyOnly: McpHttpDeps;
  const ask = async (request: Request, using?: McpHttpDeps) => {
    const response = await handleMcpRequest(request, using ?? deps);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Json) : undefined,
    };
  };
  const withToken = (token: string | undefined, body: unknown = initialize, headers = {}) =>
    mcpPost(body, {
      url: OAUTH_URL,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
    });
  const good = (claims: Record<string, unknown> = {}) =>
    issuer.sign({ scope: `openid ${SCOPE}`, "cognito:groups": ["eng"], ...claims });

  beforeAll(async () => {
    issuer = await startTestIssuer();
    settings = parseOAuthSettings(settingsJson(issuer.jwksUrl));
    const { kb } = await knowledgeBaseFrom(
      {
        docs: await folderWith({ "a.md": "# A\n\nAlpha bravo." }),
        sales: await folderWith({ "s.md": "# S\n\nPipeline numbers." }),
        secret: await folderWith({ "x.md": "# X\n\nSecret plans." }),
      },
      null,
      undefined,
      unitCodecs,
    );
    // The key endpoint refuses every key here: only the OAuth route can let anyone in.
    deps = mcpDeps(kb as KnowledgeBase, {
      authenticate: async () => undefined,
      oauth: new OAuthResourceServer(settings),
    });
    keyOnly = mcpDeps(kb as KnowledgeBase, { authenticate: async () => undefined });
  });
  afterAll(() => issuer.close());

  it("answers a request without a token with 401 and a challenge naming the metadata and the scope", async () => {
    const { status, headers, body } = await ask(withToken(undefined));
    expect(status).toBe(401);
    expect(headers.get("www-authenticate")).toBe(
      `Bearer scope="${SCOPE}", resource_metadata="http://localhost/.well-known/oauth-protected-resource/mcp/oauth"`,
    );
    expect(body!.error.message).toMatch(/sign in/);
  });

  it("publishes protected resource metadata at the root and the path-suffixed form, readable from any origin", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp/oauth",
    ]) {
      const { status, headers, body } = await ask(
        new Request(`http://localhost${path}`, { headers: { origin: "https://claude.ai" } }),
      );
      expect(status).toBe(200);
      expect(headers.get("access-control-allow-origin")).toBe("*");
      expect(body).toEqual({
        resource: OAUTH_URL,
        authorization_servers: [TEST_ISSUER],
        scopes_supported: [SCOPE],
        bearer_methods_supported: ["header"],
      });
    }
    const preflight = await handleMcpRequest(
      new Request("http://localhost/.well-known/oauth-protected-resource/mcp/oauth", {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-headers": "mcp-protocol-version" },
      }),
      deps,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toBe("mcp-protocol-version");
    const post = await ask(
      new Request("http://localhost/.well-known/oauth-protected-resource", { method: "POST" }),
    );
    expect(post.status).toBe(405);
  });

  it("keeps the API-key endpoint free of discovery: its 401 names no metadata, and its metadata path is 404", async () => {
    const keyRefusal = await ask(mcpPost(initialize));
    expect(keyRefusal.status).toBe(401);
    expect(keyRefusal.headers.get("www-authenticate")).toBe('Bearer realm="thoth"');
    expect((await ask(new Request("http://localhost/.well-known/oauth-protected-resource/mcp"))).status).toBe(
      404,
    );
  });

  it("has no OAuth endpoint and no metadata when OAuth is not configured", async () => {
    expect((await ask(withToken(await good()), keyOnly)).status).toBe(404);
    expect(
      (await ask(new Request("http://localhost/.well-known/oauth-protected-resource"), keyOnly)).status,
    ).toBe(404);
  });

  it("serves authorization server metadata with PKCE declared for an issuer behind a façade, and only then", async () => {
    expect(
      (await ask(new Request("http://localhost/.well-known/oauth-authorization-server/mcp/oauth"))).status,
    ).toBe(404);
    const facade = {
      authorizationEndpoint: "https://login.example.com/oauth2/authorize",
      tokenEndpoint: "https://login.example.com/oauth2/token",
    };
    const behind: McpHttpDeps = {
      ...deps,
      oauth: new OAuthResourceServer(parseOAuthSettings(settingsJson(issuer.jwksUrl, { facade }))),
    };
    const prm = await ask(
      new Request("http://localhost/.well-known/oauth-protected-resource/mcp/oauth"),
      behind,
    );
    expect(prm.body!.authorization_servers).toEqual([OAUTH_URL]);
    const { status, body } = await ask(
      new Request("http://localhost/.well-known/oauth-authorization-server/mcp/oauth"),
      behind,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issuer: OAUTH_URL,
      authorization_endpoint: facade.authorizationEndpoint,
      token_endpoint: facade.tokenEndpoint,
      jwks_uri: issuer.jwksUrl,
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
    });
  });

  it("serves a valid token the collections its groups grant, and nothing else", async () => {
    const collections = async (groups: string[]) => {
      const token = await good({ "cognito:groups": groups });
      expect((await ask(withToken(token))).status).toBe(200);
      const { status, body } = await ask(withToken(token, listCollections, v2025));
      expect(status).toBe(200);
      return (body!.result.structuredContent.collections as { name: string }[]).map((c) => c.name).sort();
    };
    expect(await collections(["eng"])).toEqual(["docs"]);
    expect(await collections(["eng", "sales"])).toEqual(["docs", "sales"]);
    expect(await collections(["admins"])).toEqual(["docs", "sales", "secret"]);
    expect(await collections(["eng", "unknown"])).toEqual(["docs"]);
  });

  it("serves a 2026-07-28 request (no initialize) to a signed-in person, scoped the same way", async () => {
    const meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
      "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
    };
    const { status, body } = await ask(
      withToken(
        await good(),
        { ...listCollections, params: { ...listCollections.params, _meta: meta } },
        { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "list_collections" },
      ),
    );
    expect(status).toBe(200);
    expect(body!.result.structuredContent.collections.map((c: { name: string }) => c.name)).toEqual(["docs"]);
  });

  it("maps scopes when the groups claim is `scope`", async () => {
    const byScope: McpHttpDeps = {
      ...deps,
      oauth: new OAuthResourceServer(
        parseOAuthSettings(
          settingsJson(issuer.jwksUrl, {
            groupsClaim: "scope",
            groups: [{ group: "docs:read", collections: ["docs"] }],
          }),
        ),
      ),
    };
    const token = await good({ scope: `${SCOPE} docs:read` });
    const { body } = await ask(withToken(token, listCollections, v2025), byScope);
    expect(body!.result.structuredContent.collections.map((c: { name: string }) => c.name)).toEqual(["docs"]);
  });

  it("tells a signed-in person whose groups grant nothing that they see nothing (403, no data)", async () => {
    for (const groups of [["marketing"], []]) {
      const { status, headers, body } = await ask(withToken(await good({ "cognito:groups": groups })));
      expect(status).toBe(403);
      expect(headers.get("www-authenticate")).toBeNull();
      expect(body!.error.message).toMatch(
        /signed in, but .* see nothing on this server; .*eng, admins, sales/,
      );
    }
  });

  it("answers a valid token without the endpoint's scope with 403 insufficient_scope", async () => {
    const { status, headers } = await ask(withToken(await good({ scope: "openid" })));
    expect(status).toBe(403);
    expect(headers.get("www-authenticate")).toMatch(
      /^Bearer error="insufficient_scope", error_description="the token lacks the scope thoth-unit\/mcp", scope="thoth-unit\/mcp", resource_metadata=/,
    );
  });

  it("refuses every bad token with 401 invalid_token and a challenge: never a 500, never access", async () => {
    const now = Math.floor(Date.now() / 1000);
    const pem = new TextEncoder().encode(await exportSPKI(issuer.signing.publicKey));
    const hmac = await new SignJWT({ scope: SCOPE, "cognito:groups": ["admins"] })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime("5m")
      .sign(pem);
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url"),
      Buffer.from(JSON.stringify({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 300 })).toString(
        "base64url",
      ),
      "",
    ].join(".");
    const cases: [string, string, RegExp][] = [
      ["malformed", "not-a-jwt", /not a JWT/],
      ["expired", await good({ exp: now - 600 }), /expired/],
      ["not yet valid", await good({ nbf: now + 600 }), /not valid yet/],
      ["from another issuer", await good({ iss: "https://evil.example.com" }), /another issuer/],
      ["for another audience", await good({ aud: "https://other.example.com/mcp" }), /another audience/],
      ["unsigned", unsigned, /./],
      ["HS256 keyed with the public key", hmac, /algorithm/],
      [
        "signed under a kid the issuer never published",
        await issuer.sign({ scope: SCOPE, "cognito:groups": ["admins"] }, "never-published"),
        /does not publish/,
      ],
      [
        "signed by another key",
        await issuer.sign({ scope: SCOPE }, "k1", (await generateKeyPair("RS256")).privateKey),
        /signature/,
      ],
    ];
    for (const [what, token, reason] of cases) {
      const { status, headers, body } = await ask(withToken(token));
      expect(status, what).toBe(401);
      expect(headers.get("www-authenticate"), what).toMatch(
        /^Bearer error="invalid_token", error_description="[^"]+", scope=.*resource_metadata=/,
      );
      expect(body!.error.message, what).toMatch(reason);
    }
  });

  it("refuses a malformed or oversized Authorization header, and a token anywhere but the header", async () => {
    const token = await good();
    const refusals = [
      withToken(undefined, initialize, { authorization: `Basic ${token}` }),
      withToken(undefined, initialize, { authorization: "Bearer" }),
      withToken(undefined, initialize, { authorization: `Bearer ${token} extra` }),
      withToken(undefined, initialize, { authorization: `Bearer ${"a".repeat(20_000)}` }),
      mcpPost(initialize, { url: `${OAUTH_URL}?access_token=${token}` }),
    ];
    for (const request of refusals) {
      const { status, headers } = await ask(request);
      expect(status).toBe(401);
      expect(headers.get("www-authenticate")).toMatch(/resource_metadata=/);
    }
  });

  it("answers 503 (retry, keep the token) when the issuer's keys cannot be fetched: down, slow or garbage", async () => {
    for (const mode of ["down", "garbage", "slow"] as const) {
      issuer.mode = mode;
      try {
        // A fresh server: its key cache is empty, as on a cold start.
        const cold: McpHttpDeps = {
          ...deps,
          oauth: new OAuthResourceServer(
            settings,
            new AccessTokenVerifier({ ...settings, jwksTimeoutMs: 300 }),
          ),
        };
        const { status, headers, body } = await ask(withToken(await good()), cold);
        expect(status, mode).toBe(503);
        expect(headers.get("retry-after")).toBe("5");
        expect(body!.error.message).toMatch(/signing keys could not be fetched/);
      } finally {
        issuer.mode = "keys";
      }
    }
  });

  it("never writes a token to the logs", async () => {
    const logs = captureLogs("DEBUG");
    const tokens = [
      await good({ exp: Math.floor(Date.now() / 1000) - 600 }),
      await good({ scope: "openid" }),
      await good({ "cognito:groups": [] }),
    ];
    try {
      for (const token of tokens) await ask(withToken(token));
    } finally {
      logs.stop();
    }
    expect(logs.lines.join("")).toMatch(/request refused/);
    for (const token of tokens) expect(logs.lines.join("")).not.toContain(token.split(".")[2]!);
  });
});

describe("OAuth settings (THOTH_OAUTH)", () => {
  const valid = JSON.parse(settingsJson("https://idp.example.com/jwks")) as Record<string, unknown>;
  it.each([
    ["not JSON", "{groups:", /not valid JSON/],
    ["a list", "[]", /must be a JSON object/],
    ["a string", '"x"', /must be a JSON object/],
    ["groups as an object", JSON.stringify({ ...valid, groups: { eng: ["docs"] } }), /THOTH_OAUTH\.groups/],
    [
      "an empty allowlist",
      JSON.stringify({ ...valid, groups: [{ group: "eng", collections: [] }] }),
      /groups\[0\]\.collections: list at least one/,
    ],
    [
      "a misspelt field",
      JSON.stringify({ ...valid, groups: [{ group: "eng", colections: ["docs"] }] }),
      /groups\[0\]/,
    ],
    [
      "a group listed twice",
      JSON.stringify({ ...valid, groups: [{ group: "eng" }, { group: "eng" }] }),
      /listed twice/,
    ],
    ["no group at all", JSON.stringify({ ...valid, groups: [] }), /at least one group/],
    ["no audience or client id", JSON.stringify({ ...valid, audiences: [] }), /audience or client id/],
    ["an http issuer", JSON.stringify({ ...valid, issuer: "http://idp.example.com" }), /https/],
  ])("refuses %s with the field it is about", (_what, text, message) => {
    expect(() => parseOAuthSettings(text)).toThrow(OAuthSettingError);
    expect(() => parseOAuthSettings(text)).toThrow(message);
  });

  it("stops the server's cold start on malformed settings, before it loads anything", async () => {
    await expect(
      openMcpApp({ THOTH_OAUTH: '{"groups": {"eng": ["docs"]}}', THOTH_DATA_DIR: "/nonexistent/thoth" }),
    ).rejects.toThrow(OAuthSettingError);
  });
});
