import { describe, expect, it } from "vitest";
import { StackConfigError, parseStackConfig } from "../../../infra/config.js";
import { parseOAuthSettings } from "../../../shared/oauth-settings.js";
import { deployPlatform } from "../../helpers/deploy-platform.js";
import { byType, resolve, stackFileValues, type RecordedResource } from "../../helpers/pulumi-mocks.js";

async function deploy(stack: "dev" | "prod", extra: Record<string, unknown> = {}) {
  const { recorded, outputs } = await deployPlatform(stack, extra);
  return { recorded, oauthConfig: await resolve(outputs.mcpOAuthConfig), outputs };
}

const mcpEnv = (recorded: RecordedResource[]) =>
  (
    byType(recorded, "aws:lambda/function:Function").find((f) => String(f.inputs.name).endsWith("-mcp"))!
      .inputs.environment as { variables: Record<string, string> }
  ).variables;
const routes = (recorded: RecordedResource[]) =>
  byType(recorded, "aws:apigatewayv2/route:Route").map((r) => r.inputs.routeKey as string);
const cognito = (recorded: RecordedResource[]) => recorded.filter((r) => r.type.startsWith("aws:cognito/"));

describe.each(["dev", "prod"] as const)("sign-in on the %s stack: its own Cognito user pool", (stack) => {
  it("declares a pool only administrators add people to, with managed login, Thoth's scope and the groups", async () => {
    const { recorded } = await deploy(stack);
    const pool = byType(recorded, "aws:cognito/userPool:UserPool")[0]!.inputs;
    expect(pool).toMatchObject({
      name: `thoth-${stack}-users`,
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      deletionProtection: stack === "prod" ? "ACTIVE" : "INACTIVE",
    });
    expect(byType(recorded, "aws:cognito/userPoolDomain:UserPoolDomain")[0]!.inputs).toMatchObject({
      domain: `thoth-${stack}-k3x9q2zt`,
      managedLoginVersion: 2,
    });
    expect(byType(recorded, "aws:cognito/resourceServer:ResourceServer")[0]!.inputs).toMatchObject({
      identifier: `thoth-${stack}`,
      scopes: [expect.objectContaining({ scopeName: "mcp" })],
    });
    expect(byType(recorded, "aws:cognito/userGroup:UserGroup").map((g) => g.inputs.name)).toEqual([
      "readers",
    ]);
  });

  it("gives each client family a public code + PKCE client with its callback URLs", async () => {
    const { recorded } = await deploy(stack);
    const clients = byType(recorded, "aws:cognito/userPoolClient:UserPoolClient");
    expect(clients.map((c) => c.inputs.name).sort()).toEqual(
      ["chatgpt", "claude", "inspector"].map((f) => `thoth-${stack}-${f}`),
    );
    for (const c of clients) {
      expect(c.inputs).toMatchObject({
        generateSecret: false,
        allowedOauthFlows: ["code"],
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthScopes: expect.arrayContaining(["openid", `thoth-${stack}/mcp`]),
        supportedIdentityProviders: ["COGNITO"],
      });
    }
    const callbacks = (family: string) =>
      clients.find((c) => c.inputs.name === `thoth-${stack}-${family}`)!.inputs.callbackUrls;
    expect(callbacks("claude")).toContain("https://claude.ai/api/mcp/auth_callback");
    expect(callbacks("chatgpt")).toEqual(["https://chatgpt.com/connector_platform_oauth_redirect"]);
    expect(callbacks("inspector")).toContain("http://localhost:6274/oauth/callback");
    expect(byType(recorded, "aws:cognito/managedLoginBranding:ManagedLoginBranding")).toHaveLength(3);
  });

  it("tells the MCP function to accept the pool's tokens for its clients, behind a façade with PKCE", async () => {
    const { recorded } = await deploy(stack);
    const settings = parseOAuthSettings(mcpEnv(recorded).THOTH_OAUTH!);
    const issuer = `https://cognito-idp.eu-west-1.amazonaws.com/sign-in-users-id`;
    const login = `https://thoth-${stack}-k3x9q2zt.auth.eu-west-1.amazoncognito.com`;
    expect(settings).toEqual({
      issuer,
      jwksUrl: `${issuer}/.well-known/jwks.json`,
      audiences: [],
      clientIds: ["sign-in-client-claude-id", "sign-in-client-chatgpt-id", "sign-in-client-inspector-id"],
      scopes: [`thoth-${stack}/mcp`],
      groupsClaim: "cognito:groups",
      groups: [{ group: "readers" }],
      facade: {
        authorizationEndpoint: `${login}/oauth2/authorize`,
        tokenEndpoint: `${login}/oauth2/token`,
        revocationEndpoint: `${login}/oauth2/revoke`,
      },
      resourceName: `Thoth (${stack})`,
    });
  });

  it("outputs what each client family enters", async () => {
    const { oauthConfig } = await deploy(stack);
    expect(JSON.parse(oauthConfig!)).toEqual({
      url: "https://mcp-api.execute-api.eu-west-1.amazonaws.com/mcp/oauth",
      issuer: "https://cognito-idp.eu-west-1.amazonaws.com/sign-in-users-id",
      loginUrl: `https://thoth-${stack}-k3x9q2zt.auth.eu-west-1.amazoncognito.com`,
      userPoolId: "sign-in-users-id",
      clientIds: {
        claude: "sign-in-client-claude-id",
        chatgpt: "sign-in-client-chatgpt-id",
        inspector: "sign-in-client-inspector-id",
      },
    });
  });

  it("takes a chosen domain prefix and extra callback URLs", async () => {
    const { recorded } = await deploy(stack, {
      oauth: {
        provider: "cognito",
        groups: [{ group: "eng", collections: ["handbook"] }],
        domainPrefix: `acme-thoth-${stack}`,
        callbackUrls: { inspector: ["http://localhost:7000/oauth/callback"] },
      },
    });
    expect(byType(recorded, "aws:cognito/userPoolDomain:UserPoolDomain")[0]!.inputs.domain).toBe(
      `acme-thoth-${stack}`,
    );
    expect(byType(recorded, "random:index/randomString:RandomString")).toHaveLength(0);
    const inspector = byType(recorded, "aws:cognito/userPoolClient:UserPoolClient").find(
      (c) => c.inputs.name === `thoth-${stack}-inspector`,
    )!;
    expect(inspector.inputs.callbackUrls).toContain("http://localhost:7000/oauth/callback");
    expect(byType(recorded, "aws:cognito/userGroup:UserGroup")[0]!.inputs.description).toMatch(/handbook/);
  });
});

describe("sign-in at the company's own issuer", () => {
  const entra = {
    provider: "external",
    issuer: "https://login.microsoftonline.com/tenant-id/v2.0",
    jwksUrl: "https://login.microsoftonline.com/tenant-id/discovery/v2.0/keys",
    audiences: ["api://thoth-dev"],
    scopes: ["api://thoth-dev/mcp.read"],
    groupsClaim: "groups",
    groups: [{ group: "0d4c-eng-group-id", collections: ["handbook"] }],
    authorizationEndpoint: "https://login.microsoftonline.com/tenant-id/oauth2/v2.0/authorize",
    tokenEndpoint: "https://login.microsoftonline.com/tenant-id/oauth2/v2.0/token",
  };

  it("creates no Cognito resources, and gives the function the issuer's settings and the OAuth routes", async () => {
    const { recorded, oauthConfig } = await deploy("dev", { oauth: entra });
    expect(cognito(recorded)).toEqual([]);
    expect(byType(recorded, "random:index/randomString:RandomString")).toEqual([]);
    expect(parseOAuthSettings(mcpEnv(recorded).THOTH_OAUTH!)).toMatchObject({
      issuer: entra.issuer,
      audiences: entra.audiences,
      clientIds: [],
      scopes: entra.scopes,
      groups: entra.groups,
      facade: { authorizationEndpoint: entra.authorizationEndpoint, tokenEndpoint: entra.tokenEndpoint },
    });
    expect(routes(recorded)).toContain("POST /mcp/oauth");
    expect(JSON.parse(oauthConfig!)).toMatchObject({ issuer: entra.issuer, clientIds: {} });
  });

  it("serves no façade when the issuer's own metadata is enough", async () => {
    const { authorizationEndpoint: _a, tokenEndpoint: _t, ...plain } = entra;
    const { recorded } = await deploy("dev", { oauth: plain });
    expect(parseOAuthSettings(mcpEnv(recorded).THOTH_OAUTH!).facade).toBeUndefined();
  });

  it.each([
    ["no audience or client id", { audiences: [] }, /thoth:oauth\.audiences: name at least one audience/],
    ["half a façade", { tokenEndpoint: undefined }, /thoth:oauth\.tokenEndpoint: give both/],
    ["groups as an object", { groups: { eng: ["handbook"] } }, /thoth:oauth\.groups/],
    ["an empty allowlist", { groups: [{ group: "eng", collections: [] }] }, /groups\[0\]\.collections/],
    ["an http issuer", { issuer: "http://idp.example.com" }, /thoth:oauth\.issuer: use an https URL/],
  ])("refuses %s before AWS sees it", (_what, change, message) => {
    const values = { ...stackFileValues("dev"), oauth: { ...entra, ...change } };
    expect(() => parseStackConfig("dev", values)).toThrow(StackConfigError);
    expect(() => parseStackConfig("dev", values)).toThrow(message);
  });

  it("refuses more groups than fit in the function's 4 KB environment", () => {
    const groups = Array.from({ length: 60 }, (_, i) => ({ group: `group-${i}`, collections: ["handbook"] }));
    const values = { ...stackFileValues("dev"), oauth: { provider: "cognito", groups } };
    expect(() => parseStackConfig("dev", values)).toThrow(/thoth:oauth\.groups: the groups take more than/);
  });

  it("refuses a Cognito domain prefix Cognito would refuse", () => {
    const values = {
      ...stackFileValues("dev"),
      oauth: { provider: "cognito", groups: [{ group: "readers" }], domainPrefix: "my-aws-login" },
    };
    expect(() => parseStackConfig("dev", values)).toThrow(/domainPrefix: Cognito refuses/);
  });
});

describe("a stack without sign-in", () => {
  it("has no Cognito resources, no OAuth routes, no THOTH_OAUTH and no OAuth output", async () => {
    const { recorded, outputs } = await deploy("dev", { oauth: undefined });
    expect(cognito(recorded)).toEqual([]);
    expect(routes(recorded).sort()).toEqual(["DELETE /mcp", "GET /mcp", "POST /mcp"]);
    expect(mcpEnv(recorded).THOTH_OAUTH).toBeUndefined();
    expect(outputs.mcpOAuthConfig).toBeUndefined();
  });
});
