/**
 * OAuth sign-in, as a stack configures it (`thoth:oauth`) and as the MCP function reads it (THOTH_OAUTH, JSON):
 * which issuer's access tokens Thoth accepts, and which collections each group of people may see. The Pulumi
 * program writes THOTH_OAUTH (from a Cognito user pool it declares, or from an external issuer the stack names),
 * as does `thoth dev --oauth`; the function reads it once at cold start. Malformed settings stop the server
 * from starting: they are never read leniently.
 */
import { z } from "zod";
import { CollectionAllowlistSchema } from "./api-keys.js";

/** The settings are malformed. The message names the field; settings hold no secrets, but it quotes none. */
export class OAuthSettingError extends Error {
  override name = "OAuthSettingError";
}

/** One group of people (a value of the groups claim) and, optionally, the only collections it may see. */
export const GroupGrantSchema = z.strictObject({
  group: z.string().min(1, "a group name must not be empty"),
  collections: CollectionAllowlistSchema,
});
export type GroupGrant = z.infer<typeof GroupGrantSchema>;

/** Grants: a list of `{group, collections?}`; a group without collections sees every collection. */
export const GroupGrantsSchema = z
  .array(GroupGrantSchema)
  .min(1, "grant at least one group access, or nobody who signs in sees anything")
  .superRefine((grants, ctx) => {
    const seen = new Set<string>();
    grants.forEach((g, i) => {
      if (seen.has(g.group))
        ctx.addIssue({ code: "custom", path: [i, "group"], message: `group "${g.group}" is listed twice` });
      seen.add(g.group);
    });
  });

export const HttpsUrl = z.url().refine((u) => {
  const url = new URL(u);
  return url.protocol === "https:" || ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}, "use an https URL (http only on loopback)");

/**
 * RFC 8414 metadata Thoth serves for an issuer whose own discovery document lacks what MCP clients check
 * (Cognito and Entra ID publish no `code_challenge_methods_supported`, though they support PKCE S256): the
 * issuer's real endpoints, with PKCE declared. Tokens never pass through Thoth.
 */
export const AuthorizationServerFacadeSchema = z.strictObject({
  authorizationEndpoint: HttpsUrl,
  tokenEndpoint: HttpsUrl,
  registrationEndpoint: HttpsUrl.optional(),
  revocationEndpoint: HttpsUrl.optional(),
});

export const OAuthSettingsSchema = z
  .strictObject({
    /** The `iss` of every accepted token, exactly. */
    issuer: HttpsUrl,
    /** Where the issuer publishes its signing keys. */
    jwksUrl: HttpsUrl,
    /** Accepted `aud` values: the OAuth endpoint's URL (RFC 8707) where the issuer supports it, else its API id. */
    audiences: z.array(z.string().min(1)).default([]),
    /**
     * Accepted `client_id` values of tokens without `aud` (Cognito's access tokens carry the app client in
     * `client_id` and no audience).
     */
    clientIds: z.array(z.string().min(1)).default([]),
    /** Scopes every token must carry; advertised in the metadata and in each 401 challenge. */
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "not an OAuth scope")).default([]),
    /** The claim that lists a person's groups (`cognito:groups`, `groups`, `roles`; `scope` maps scopes). */
    groupsClaim: z.string().min(1).default("groups"),
    groups: GroupGrantsSchema,
    facade: AuthorizationServerFacadeSchema.optional(),
    /** How clients name this server on the consent screen. */
    resourceName: z.string().min(1).optional(),
  })
  .refine((s) => s.audiences.length + s.clientIds.length > 0, {
    path: ["audiences"],
    message: "name at least one audience or client id, or any token from the issuer would be accepted",
  });
export type OAuthSettings = z.infer<typeof OAuthSettingsSchema>;

/** Parses THOTH_OAUTH; an OAuthSettingError says which field is wrong. */
export function parseOAuthSettings(text: string, source = "THOTH_OAUTH"): OAuthSettings {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OAuthSettingError(`${source} is not valid JSON`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new OAuthSettingError(`${source} must be a JSON object`);
  const result = OAuthSettingsSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new OAuthSettingError(`${source}${where}: ${issue.message}`);
  }
  return result.data;
}

/**
 * What `thoth:oauth.groups` may take of the MCP function's 4 KB environment (as JSON in THOTH_OAUTH): the rest
 * of THOTH_OAUTH (issuer, endpoints, three client ids) and the function's other variables take under 1.5 KB.
 */
export const OAUTH_GROUPS_ENV_BUDGET_BYTES = 2 * 1024;

/** The MCP client families that get a Cognito app client each, with their OAuth callback URLs. */
export const OAUTH_CLIENT_CALLBACKS = {
  /** claude.ai, Claude Desktop and mobile connectors (the connector's calls come from Anthropic's servers). */
  claude: ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"],
  /** ChatGPT apps and connectors (developer mode, deep research, company knowledge). */
  chatgpt: ["https://chatgpt.com/connector_platform_oauth_redirect"],
  /** The MCP Inspector on its default port, for trying the sign-in by hand. */
  inspector: ["http://localhost:6274/oauth/callback", "http://localhost:6274/oauth/callback/debug"],
} as const;
export type OAuthClientFamily = keyof typeof OAUTH_CLIENT_CALLBACKS;
export const OAUTH_CLIENT_FAMILIES = Object.keys(OAUTH_CLIENT_CALLBACKS) as OAuthClientFamily[];

/**
 * Sign-in with OAuth (the `/mcp/oauth` endpoint). `cognito`: the stack declares a user pool with a managed login
 * domain, an app client per client family and the groups named here. `external`: tokens come from the
 * company's own issuer (Entra ID, Okta, Google Workspace, Auth0…); nothing is created for it.
 */
export const OAuthConfigSchema = z.discriminatedUnion("provider", [
  z.strictObject({
    provider: z.literal("cognito"),
    groups: GroupGrantsSchema,
    /** `<prefix>.auth.<region>.amazoncognito.com`; unique in the region. Default `thoth-<stack>-<random>`. */
    domainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "lowercase letters, digits and dashes")
      .refine((p) => !/aws|amazon|cognito/.test(p), "Cognito refuses prefixes with aws, amazon or cognito")
      .optional(),
    /** More callback URLs for a family (another Inspector port, a self-hosted client). */
    callbackUrls: z.partialRecord(z.enum(OAUTH_CLIENT_FAMILIES), z.array(HttpsUrl).min(1)).default({}),
  }),
  z.strictObject({
    provider: z.literal("external"),
    groups: GroupGrantsSchema,
    issuer: HttpsUrl,
    jwksUrl: HttpsUrl,
    audiences: z.array(z.string().min(1)).default([]),
    clientIds: z.array(z.string().min(1)).default([]),
    scopes: z.array(z.string().min(1)).default([]),
    groupsClaim: z.string().min(1).default("groups"),
    /** The issuer's endpoints, when its discovery document lacks what MCP clients check (Entra ID). */
    authorizationEndpoint: HttpsUrl.optional(),
    tokenEndpoint: HttpsUrl.optional(),
  }),
]);
export type OAuthConfig = z.infer<typeof OAuthConfigSchema>;

/** The checks of `thoth:oauth` that span fields (StackConfigSchema runs them). */
export function checkOAuthConfig(oauth: OAuthConfig, ctx: z.RefinementCtx): void {
  if (Buffer.byteLength(JSON.stringify(oauth.groups)) > OAUTH_GROUPS_ENV_BUDGET_BYTES) {
    ctx.addIssue({
      code: "custom",
      path: ["oauth", "groups"],
      message: `the groups take more than the ${OAUTH_GROUPS_ENV_BUDGET_BYTES} bytes of Lambda's 4 KB environment left for them (THOTH_OAUTH): grant fewer, broader groups`,
    });
  }
  if (oauth.provider === "external") {
    if (!oauth.audiences.length && !oauth.clientIds.length)
      ctx.addIssue({
        code: "custom",
        path: ["oauth", "audiences"],
        message: "name at least one audience or client id, or any token from the issuer would be accepted",
      });
    if (!oauth.authorizationEndpoint !== !oauth.tokenEndpoint)
      ctx.addIssue({
        code: "custom",
        path: ["oauth", oauth.authorizationEndpoint ? "tokenEndpoint" : "authorizationEndpoint"],
        message: "give both authorizationEndpoint and tokenEndpoint, or neither",
      });
  }
}
