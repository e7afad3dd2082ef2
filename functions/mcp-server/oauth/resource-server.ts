/**
 * The OAuth endpoint as an OAuth 2.1 resource server (MCP authorization, RFC 9728, RFC 6750): who a bearer token
 * is and which collections their groups may see, the challenges that tell a client how to sign in, and the
 * metadata documents it discovers the authorization server from. HTTP routing stays in http.ts.
 */
import type { JWTPayload } from "jose";
import { OAUTH_MCP_PATH, PROTECTED_RESOURCE_PATH } from "../../../shared/names.js";
import type { GroupGrant, OAuthSettings } from "../../../shared/oauth-settings.js";
import type { Principal } from "../auth.js";
import { AccessTokenVerifier } from "./access-token.js";

/** The largest Authorization header read; a JWT with many groups is a few KiB. */
export const MAX_AUTHORIZATION_HEADER_BYTES = 16 * 1024 + 16;

/** Why a request is refused, with what the client is told. */
export interface OAuthRefusal {
  status: 401 | 403 | 503;
  /** For the JSON-RPC error message; never contains the token. */
  message: string;
  /** The `WWW-Authenticate` value (401 and 403). */
  challenge?: string;
}

export type OAuthOutcome = { principal: Principal } | { refusal: OAuthRefusal };

const quoted = (value: string) => `"${value.replace(/[\\"]/g, "\\$&").replace(/[^\x20-\x7E]/g, " ")}"`;

/** The groups a token lists under `claim`: an array of strings, or a space-separated string (`scope`). */
export function groupsOf(claims: JWTPayload, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** Scopes a token carries: `scope` (RFC 9068, space-separated) or `scp` (Entra ID, string or list). */
export function scopesOf(claims: JWTPayload): string[] {
  return [...groupsOf(claims, "scope"), ...groupsOf(claims, "scp")];
}

/**
 * What a person in `groups` may see: the union of their groups' allowlists, every collection when any of their
 * groups is unrestricted, or `null` when none of their groups is granted anything.
 */
export function scopeForGroups(grants: GroupGrant[], groups: string[]): Principal["scope"] | null {
  const matched = grants.filter((g) => groups.includes(g.group));
  if (!matched.length) return null;
  if (matched.some((g) => !g.collections)) return undefined;
  return new Set(matched.flatMap((g) => g.collections!));
}

export class OAuthResourceServer {
  readonly #verifier: AccessTokenVerifier;

  constructor(
    readonly settings: OAuthSettings,
    verifier?: AccessTokenVerifier,
  ) {
    this.#verifier =
      verifier ??
      new AccessTokenVerifier({
        issuer: settings.issuer,
        jwksUrl: settings.jwksUrl,
        audiences: settings.audiences,
        clientIds: settings.clientIds,
      });
  }

  /** The OAuth endpoint's URL as the request reached it: the resource (RFC 8707) clients ask tokens for. */
  resourceUrl(request: Request): string {
    const url = new URL(request.url);
    return `${url.origin}${OAUTH_MCP_PATH}`;
  }

  /** Where the protected resource metadata for `resource` lives (RFC 9728, path-suffixed). */
  metadataUrl(resource: string): string {
    const url = new URL(resource);
    return `${url.origin}${PROTECTED_RESOURCE_PATH}${url.pathname}`;
  }

  #challenge(request: Request, error?: { code: string; description: string }): string {
    const parts = error
      ? [`error=${quoted(error.code)}`, `error_description=${quoted(error.description)}`]
      : [];
    if (this.settings.scopes.length) parts.push(`scope=${quoted(this.settings.scopes.join(" "))}`);
    parts.push(`resource_metadata=${quoted(this.metadataUrl(this.resourceUrl(request)))}`);
    return `Bearer ${parts.join(", ")}`;
  }

  /** Checks the request's bearer token and maps its groups to collections. Never throws. */
  async authenticate(request: Request): Promise<OAuthOutcome> {
    const header = request.headers.get("authorization");
    const refuse = (status: 401 | 403, message: string, code?: string): OAuthOutcome => ({
      refusal: {
        status,
        message,
        challenge: this.#challenge(request, code ? { code, description: message } : undefined),
      },
    });
    if (header === null) return refuse(401, "sign in: this endpoint takes an OAuth access token");
    if (header.length > MAX_AUTHORIZATION_HEADER_BYTES)
      return refuse(401, "the Authorization header is too large", "invalid_request");
    const token = /^Bearer +([^\s,]+)\s*$/i.exec(header)?.[1];
    if (!token)
      return refuse(401, "send the access token as Authorization: Bearer <token>", "invalid_request");
    const check = await this.#verifier.verify(token);
    if (!check.ok) {
      if (check.keysUnavailable) {
        // The token may well be good: a 401 would make the client throw it away and sign in again, to no end.
        return {
          refusal: { status: 503, message: `${check.reason}; try again shortly` },
        };
      }
      return refuse(401, check.reason, "invalid_token");
    }
    const scopes = scopesOf(check.claims);
    const missing = this.settings.scopes.filter((s) => !scopes.includes(s));
    if (missing.length)
      return refuse(403, `the token lacks the scope ${missing.join(" ")}`, "insufficient_scope");
    const groups = groupsOf(check.claims, this.settings.groupsClaim);
    const scope = scopeForGroups(this.settings.groups, groups);
    if (scope === null) {
      // Signed in, but granted nothing: told so, not shown an empty server.
      const why = groups.length
        ? `none of your groups (${groups.slice(0, 10).join(", ")}) is granted a collection`
        : `your token lists no groups (claim "${this.settings.groupsClaim}")`;
      return {
        refusal: {
          status: 403,
          message: `signed in, but ${why}, so you see nothing on this server; ask its operator to add you to one of: ${this.settings.groups.map((g) => g.group).join(", ")}`,
        },
      };
    }
    return { principal: { scope } };
  }

  /** RFC 9728 protected resource metadata for the OAuth endpoint. */
  protectedResourceMetadata(request: Request): Record<string, unknown> {
    const resource = this.resourceUrl(request);
    return {
      resource,
      // With a façade, clients read the authorization server's metadata from Thoth (see below).
      authorization_servers: [this.settings.facade ? resource : this.settings.issuer],
      ...(this.settings.scopes.length ? { scopes_supported: this.settings.scopes } : {}),
      bearer_methods_supported: ["header"],
      ...(this.settings.resourceName ? { resource_name: this.settings.resourceName } : {}),
    };
  }

  /**
   * RFC 8414 metadata for an issuer that does not publish what MCP clients check (the façade): served for the
   * OAuth endpoint's URL as issuer, naming the real issuer's endpoints and keys. Undefined without a façade.
   */
  authorizationServerMetadata(request: Request): Record<string, unknown> | undefined {
    const facade = this.settings.facade;
    if (!facade) return undefined;
    return {
      issuer: this.resourceUrl(request),
      authorization_endpoint: facade.authorizationEndpoint,
      token_endpoint: facade.tokenEndpoint,
      ...(facade.registrationEndpoint ? { registration_endpoint: facade.registrationEndpoint } : {}),
      ...(facade.revocationEndpoint ? { revocation_endpoint: facade.revocationEndpoint } : {}),
      jwks_uri: this.settings.jwksUrl,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none", "client_secret_basic", "client_secret_post"],
      ...(this.settings.scopes.length ? { scopes_supported: ["openid", ...this.settings.scopes] } : {}),
    };
  }
}
