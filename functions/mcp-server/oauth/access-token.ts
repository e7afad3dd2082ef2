/**
 * OAuth access tokens (JWT, RFC 9068) validated locally, as an OAuth 2.1 resource server does: the signature
 * against the issuer's published keys, then issuer, audience and time. The OAuth endpoint (resource-server.ts)
 * builds its challenges and the caller's collections on `verify`.
 *
 * - Keys come from the issuer's JWKS (jose's remote key set): cached, fetched again when a token names an unknown
 *   `kid`, but at most once per `refreshCooldownMs`, so a flood of made-up `kid`s cannot make Thoth hammer the
 *   issuer. A JWKS endpoint that is down, slow or answers garbage fails the token, never the process.
 * - Only asymmetric algorithms are accepted: never `none`, and never an HMAC "signature" keyed with the
 *   issuer's public key (the algorithm-confusion attack).
 * - Tokens are bounded in size before they are parsed; a token never appears in a log or an error message.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

/** The algorithms identity providers sign access tokens with (all asymmetric). */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "EdDSA",
];
/** The largest token read; providers' access tokens are a few KiB even with many group claims. */
export const MAX_TOKEN_BYTES = 16 * 1024;

export interface AccessTokenPolicy {
  /** The `iss` every token must carry, exactly. */
  issuer: string;
  /** The issuer's JWKS URL (from its discovery document). */
  jwksUrl: string;
  /**
   * Accepted `aud` values: the resource's URL (RFC 8707) where the provider supports resource indicators,
   * otherwise the API id or client ids the provider puts there.
   */
  audiences: string[];
  /**
   * Accepted `client_id` values of tokens that carry no `aud` at all (Cognito's access tokens). A token with an
   * `aud` is judged by `audiences` alone. At least one audience or client id.
   */
  clientIds?: string[];
  algorithms?: string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat` (default 60 s). */
  clockToleranceSeconds?: number;
  /** A JWKS fetch slower than this fails (default 5 s). */
  jwksTimeoutMs?: number;
  /** After a fetch, an unknown `kid` waits this long before the next one (default 30 s). */
  refreshCooldownMs?: number;
  /**
   * Keys are fetched again after this long even when every `kid` is known (default 10 min): the most a key the
   * issuer has revoked (dropped from its JWKS) is still accepted.
   */
  keysMaxAgeMs?: number;
}

export type TokenCheck =
  | { ok: true; claims: JWTPayload }
  | {
      ok: false;
      /** For the `WWW-Authenticate` error_description: what was wrong, never the token. */
      reason: string;
      /** The issuer's keys could not be had: the token may be fine, Thoth cannot tell. */
      keysUnavailable?: true;
    };

export class AccessTokenVerifier {
  readonly #policy: Required<Omit<AccessTokenPolicy, "jwksUrl">>;
  readonly #keys: JWTVerifyGetKey;

  constructor(policy: AccessTokenPolicy, keys?: JWTVerifyGetKey) {
    if (!policy.audiences.length && !policy.clientIds?.length)
      throw new Error("an access token policy needs at least one audience or client id");
    const algorithms = policy.algorithms ?? ASYMMETRIC_ALGORITHMS;
    const symmetric = algorithms.filter((a) => !ASYMMETRIC_ALGORITHMS.includes(a));
    if (symmetric.length)
      throw new Error(`only asymmetric token algorithms are allowed, not ${symmetric.join(", ")}`);
    this.#policy = {
      issuer: policy.issuer,
      audiences: policy.audiences,
      clientIds: policy.clientIds ?? [],
      algorithms,
      clockToleranceSeconds: policy.clockToleranceSeconds ?? 60,
      jwksTimeoutMs: policy.jwksTimeoutMs ?? 5000,
      refreshCooldownMs: policy.refreshCooldownMs ?? 30_000,
      keysMaxAgeMs: policy.keysMaxAgeMs ?? 600_000,
    };
    this.#keys =
      keys ??
      createRemoteJWKSet(new URL(policy.jwksUrl), {
        timeoutDuration: this.#policy.jwksTimeoutMs,
        cooldownDuration: this.#policy.refreshCooldownMs,
        cacheMaxAge: this.#policy.keysMaxAgeMs,
      });
  }

  /** Checks one bearer token. Never throws. */
  async verify(token: string): Promise<TokenCheck> {
    if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) return { ok: false, reason: "the token is too large" };
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token))
      return { ok: false, reason: "the token is not a JWT" };
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#policy.issuer,
        algorithms: this.#policy.algorithms,
        clockTolerance: this.#policy.clockToleranceSeconds,
        requiredClaims: ["exp"],
      });
      if (!this.#forUs(payload)) return { ok: false, reason: "the token is for another audience" };
      return { ok: true, claims: payload };
    } catch (error) {
      return rejection(error);
    }
  }

  /** `aud` names one of the audiences; or, without any `aud`, `client_id` names one of the client ids. */
  #forUs(claims: JWTPayload): boolean {
    if (claims.aud !== undefined) {
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      return aud.some((a) => this.#policy.audiences.includes(a));
    }
    const clientId = claims["client_id"];
    return typeof clientId === "string" && this.#policy.clientIds.includes(clientId);
  }
}

function rejection(error: unknown): TokenCheck & { ok: false } {
  if (error instanceof errors.JWTExpired) return { ok: false, reason: "the token has expired" };
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    const what =
      claim === "iss"
        ? "the token is from another issuer"
        : claim === "aud"
          ? "the token is for another audience"
          : claim === "nbf"
            ? "the token is not valid yet"
            : `the token's ${claim} claim is invalid`;
    return { ok: false, reason: what };
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return { ok: false, reason: "the token's algorithm is not allowed" };
  if (error instanceof errors.JWKSNoMatchingKey)
    return { ok: false, reason: "the token is signed with a key the issuer does not publish" };
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return { ok: false, reason: "the token's signature is invalid" };
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return { ok: false, reason: "the issuer's signing keys could not be fetched", keysUnavailable: true };
  if (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC")
    return { ok: false, reason: "the issuer's signing keys could not be fetched", keysUnavailable: true };
  if (error instanceof errors.JOSEError) return { ok: false, reason: "the token is invalid" };
  // A fetch failure (connection refused, DNS) surfaces as a plain error from the key set.
  return { ok: false, reason: "the issuer's signing keys could not be fetched", keysUnavailable: true };
}
