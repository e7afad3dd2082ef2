/**
 * A real OpenID provider on loopback for `thoth dev --oauth` and the tests: oidc-provider (a certified OpenID
 * Provider) with test users, dynamic client registration, a pre-registered client for the MCP Inspector,
 * authorization code + PKCE, and JWT access tokens for Thoth's OAuth endpoint (RFC 8707 resource → `aud`) that
 * carry the user's groups. The sign-in page is a plain form; consent is given with it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import type { Configuration } from "oidc-provider";
import type { GroupGrant, OAuthSettings } from "../shared/oauth-settings.js";

/** The scope Thoth's local OAuth endpoint asks for. */
export const LOCAL_SCOPE = "thoth/mcp";
/**
 * The local grants: `readers` see every collection, `handbook-readers` the sample handbook only. Each test user
 * shows one case; `bob` is in no group and is refused.
 */
export const LOCAL_GRANTS: GroupGrant[] = [
  { group: "readers" },
  { group: "handbook-readers", collections: ["handbook"] },
];
/** The pre-registered client for the MCP Inspector (its default callback URLs). */
export const INSPECTOR_CLIENT_ID = "thoth-inspector";
export const INSPECTOR_REDIRECTS = [
  "http://localhost:6274/oauth/callback",
  "http://localhost:6274/oauth/callback/debug",
];

export interface LocalUser {
  password: string;
  name: string;
  groups: string[];
}

/** Test users of the local provider; their passwords are printed by `thoth dev --oauth` (loopback only). */
export const LOCAL_USERS: Record<string, LocalUser> = {
  alice: { password: "alice-password", name: "Alice (reader)", groups: ["readers"] },
  carol: { password: "carol-password", name: "Carol (handbook only)", groups: ["handbook-readers"] },
  bob: { password: "bob-password", name: "Bob (no groups)", groups: [] },
};

export interface LocalIssuer {
  issuer: string;
  /** THOTH_OAUTH for a Thoth whose OAuth endpoint is `resources`. */
  settings: OAuthSettings;
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;max-width:28rem;margin:4rem auto">${body}</body></html>`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > 16 * 1024) throw new Error("form too large");
    parts.push(part as Buffer);
  }
  return new URLSearchParams(Buffer.concat(parts).toString("utf8"));
}

/**
 * Starts the provider on `host:port` (0: any free port). `resources` are the URLs Thoth's OAuth endpoint may be
 * reached at (127.0.0.1 and localhost forms); a token is minted for the one the client names.
 */
export async function startLocalIssuer(options: {
  port: number;
  host?: string;
  resources: string[];
  users?: Record<string, LocalUser>;
}): Promise<LocalIssuer> {
  // Loaded only here: plain `thoth dev` never pays for it (oidc-provider is a development dependency).
  const { default: Provider, errors } = await import("oidc-provider");
  const host = options.host ?? "127.0.0.1";
  const users = options.users ?? LOCAL_USERS;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "local-1", alg: "RS256", use: "sig" };

  const configuration: Configuration = {
    clients: [
      {
        client_id: INSPECTOR_CLIENT_ID,
        client_name: "MCP Inspector",
        token_endpoint_auth_method: "none",
        redirect_uris: INSPECTOR_REDIRECTS,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    // The resource scope is listed too: clients register with the scope the 401 challenge named.
    scopes: ["openid", "profile", "offline_access", LOCAL_SCOPE],
    claims: { openid: ["sub"], profile: ["name"] },
    findAccount: (_ctx, id) => {
      const user = users[id];
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ sub: id, name: user.name }) };
    },
    extraTokenClaims: (_ctx, token) =>
      token.kind === "AccessToken" ? { groups: users[token.accountId]?.groups ?? [] } : undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resources[0]!,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (!options.resources.includes(indicator)) throw new errors.InvalidTarget();
          return {
            scope: LOCAL_SCOPE,
            audience: indicator,
            accessTokenFormat: "jwt",
            accessTokenTTL: 3600,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  /** The sign-in form, and consent granted for what the client asked once the person has signed in. */
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const uid = escapeHtml(details.uid);
    if (details.prompt.name === "login") {
      if (req.method === "POST") {
        const form = await formBody(req);
        const login = form.get("login") ?? "";
        const user = users[login];
        if (!user || form.get("password") !== user.password) {
          res.writeHead(401, { "content-type": "text/html; charset=utf-8" });
          res.end(
            page(
              "Sign in",
              `<p>Unknown user or wrong password.</p><p><a href="/interaction/${uid}">Try again</a></p>`,
            ),
          );
          return;
        }
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: login } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        page(
          "Sign in to Thoth (local)",
          `<h1>Thoth (local) sign-in</h1><form method="post" action="/interaction/${uid}">` +
            `<p><label>User <input name="login" autofocus></label></p>` +
            `<p><label>Password <input name="password" type="password"></label></p>` +
            `<p><button type="submit">Sign in</button></p></form>` +
            `<p>Test users: ${Object.keys(users).map(escapeHtml).join(", ")} (password: &lt;user&gt;-password)</p>`,
        ),
      );
      return;
    }
    // Consent: grant what the client asked for (its OpenID scopes and the resource's scope).
    const { accountId } = details.session ?? {};
    const clientId = details.params["client_id"] as string;
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId: accountId!, clientId }))
      : new provider.Grant({ accountId: accountId!, clientId });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(" "));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (!(req.url ?? "").startsWith("/interaction/")) {
      void callback(req, res);
      return;
    }
    interaction(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
      res.end(
        page(
          "Sign-in failed",
          `<p>${escapeHtml((error as Error).message)}</p><p>Start the sign-in again from your client.</p>`,
        ),
      );
    });
  });

  const settings: OAuthSettings = {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    audiences: options.resources,
    clientIds: [],
    scopes: [LOCAL_SCOPE],
    groupsClaim: "groups",
    groups: LOCAL_GRANTS,
    resourceName: "Thoth (local)",
  };
  return {
    issuer,
    settings,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
