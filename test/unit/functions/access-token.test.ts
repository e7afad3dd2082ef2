import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessTokenVerifier, MAX_TOKEN_BYTES } from "../../../functions/mcp-server/oauth/access-token.js";
import {
  TEST_AUDIENCE as AUDIENCE,
  TEST_ISSUER as ISSUER,
  startTestIssuer,
  type TestIssuer,
} from "../../helpers/test-issuer.js";

describe("access tokens (JWT) checked locally against the issuer's keys", () => {
  let jwks: TestIssuer;
  let url: string;
  const verifier = (
    options: {
      refreshCooldownMs?: number;
      jwksTimeoutMs?: number;
      keysMaxAgeMs?: number;
      audiences?: string[];
      clientIds?: string[];
    } = {},
  ) => new AccessTokenVerifier({ issuer: ISSUER, jwksUrl: url, audiences: [AUDIENCE], ...options });
  const token = (claims: Record<string, unknown> = {}, kid?: string, key?: CryptoKey) =>
    jwks.sign({ groups: ["eng"], ...claims }, kid, key);

  beforeAll(async () => {
    jwks = await startTestIssuer();
    url = jwks.jwksUrl;
  });
  afterAll(() => jwks.close());

  it("accepts a token from the issuer, for the resource, in time, and gives its claims", async () => {
    const check = await verifier().verify(await token());
    expect(check).toMatchObject({ ok: true, claims: { iss: ISSUER, groups: ["eng"] } });
  });

  it.each([
    ["expired", { exp: Math.floor(Date.now() / 1000) - 600 }, /expired/],
    ["not yet valid", { nbf: Math.floor(Date.now() / 1000) + 600 }, /not valid yet/],
    ["from another issuer", { iss: "https://evil.example.com" }, /another issuer/],
    ["for another audience", { aud: "https://other.example.com/mcp" }, /another audience/],
  ])("refuses a token %s", async (_what, claims, reason) => {
    const check = await verifier().verify(await token(claims));
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(reason);
  });

  it("allows a little clock skew, but not more", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await verifier().verify(await token({ exp: now - 30 }))).ok).toBe(true);
    expect((await verifier().verify(await token({ nbf: now + 30 }))).ok).toBe(true);
    expect((await verifier().verify(await token({ exp: now - 120 }))).ok).toBe(false);
  });

  it("refuses an unsigned token (alg none)", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", kid: "k1" })).toString("base64url");
    const body = Buffer.from(
      JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 }),
    ).toString("base64url");
    const check = await verifier().verify(`${header}.${body}.`);
    expect(check.ok).toBe(false);
  });

  it("refuses an HS256 token keyed with the issuer's public key (algorithm confusion)", async () => {
    const pem = new TextEncoder().encode(await exportSPKI(jwks.signing.publicKey));
    const forged = await new SignJWT({ groups: ["admin"] })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(pem);
    const check = await verifier().verify(forged);
    expect(check).toMatchObject({ ok: false, reason: expect.stringMatching(/algorithm/) });
  });

  it("refuses a token signed by another key under a published kid", async () => {
    const other = await generateKeyPair("RS256");
    const check = await verifier().verify(await token({}, "k1", other.privateKey));
    expect(check).toMatchObject({ ok: false, reason: expect.stringMatching(/signature/) });
  });

  it("fetches the keys again for a new kid (rotation), but refuses a kid the issuer never published", async () => {
    const v = verifier({ refreshCooldownMs: 0 });
    expect((await v.verify(await token())).ok).toBe(true);
    const rotated = await generateKeyPair("RS256", { extractable: true });
    jwks.keys = [
      jwks.publicJwk,
      { ...(await exportJWK(rotated.publicKey)), kid: "k2", alg: "RS256", use: "sig" },
    ];
    expect((await v.verify(await token({}, "k2", rotated.privateKey))).ok).toBe(true);
    const unknown = await v.verify(await token({}, "k9"));
    expect(unknown).toMatchObject({ ok: false, reason: expect.stringMatching(/does not publish/) });
    jwks.keys = [jwks.publicJwk];
  });

  it("stops accepting a key the issuer has revoked once the cached keys age out", async () => {
    const v = verifier({ refreshCooldownMs: 0, keysMaxAgeMs: 50 });
    expect((await v.verify(await token())).ok).toBe(true);
    const next = await generateKeyPair("RS256", { extractable: true });
    jwks.keys = [{ ...(await exportJWK(next.publicKey)), kid: "k2", alg: "RS256", use: "sig" }];
    try {
      await new Promise((resolve) => setTimeout(resolve, 80));
      const revoked = await v.verify(await token());
      expect(revoked).toMatchObject({ ok: false, reason: expect.stringMatching(/does not publish/) });
    } finally {
      jwks.keys = [jwks.publicJwk];
    }
  });

  it("accepts a token without aud by its client_id (Cognito's access tokens), and only a listed one", async () => {
    const cognito = verifier({ audiences: [], clientIds: ["claude-client"] });
    const noAud = { aud: undefined, token_use: "access" };
    expect((await cognito.verify(await token({ ...noAud, client_id: "claude-client" }))).ok).toBe(true);
    for (const claims of [{ ...noAud, client_id: "someone-else" }, noAud]) {
      const check = await cognito.verify(await token(claims));
      expect(check).toMatchObject({ ok: false, reason: expect.stringMatching(/another audience/) });
    }
    // An ID token names the client in aud: with no audiences configured it is refused.
    const idToken = await cognito.verify(await token({ aud: "claude-client", token_use: "id" }));
    expect(idToken.ok).toBe(false);
  });

  it("bounds refetches: a flood of unknown kids costs at most one fetch per cooldown", async () => {
    const v = verifier({ refreshCooldownMs: 60_000 });
    expect((await v.verify(await token())).ok).toBe(true);
    const before = jwks.fetches;
    for (let i = 0; i < 20; i++) expect((await v.verify(await token({}, `made-up-${i}`))).ok).toBe(false);
    expect(jwks.fetches - before).toBeLessThanOrEqual(1);
  });

  it("refuses malformed and oversized tokens before parsing them", async () => {
    for (const bad of ["", "not-a-jwt", "a.b", "a.b.c.d", "é.é.é"])
      expect((await verifier().verify(bad)).ok).toBe(false);
    const huge = await token({ padding: "x".repeat(MAX_TOKEN_BYTES) });
    expect(await verifier().verify(huge)).toMatchObject({ ok: false, reason: "the token is too large" });
  });

  it.each(["down", "garbage", "slow"] as const)(
    "fails the token, not the process, when the JWKS endpoint is %s",
    async (mode) => {
      jwks.mode = mode;
      try {
        const check = await verifier({ jwksTimeoutMs: 300 }).verify(await token());
        expect(check).toMatchObject({ ok: false, keysUnavailable: true });
      } finally {
        jwks.mode = "keys";
      }
    },
  );

  it("never puts the token in its reason", async () => {
    const expired = await token({ exp: Math.floor(Date.now() / 1000) - 600 });
    const check = await verifier().verify(expired);
    expect(JSON.stringify(check)).not.toContain(expired.split(".")[2]!);
  });

  it("refuses a policy with no audience or a symmetric algorithm at startup", () => {
    expect(
      () => new AccessTokenVerifier({ issuer: ISSUER, jwksUrl: url, audiences: [], clientIds: [] }),
    ).toThrow(/audience or client id/);
    expect(
      () =>
        new AccessTokenVerifier({
          issuer: ISSUER,
          jwksUrl: url,
          audiences: [AUDIENCE],
          algorithms: ["HS256"],
        }),
    ).toThrow(/asymmetric/);
  });
});
