/**
 * A stand-in OAuth issuer for tests: an RS256 key pair, a JWKS endpoint on loopback whose answer a test can
 * switch (keys, garbage, silence, an error), and `sign` for access tokens as the issuer would mint them.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";

export const TEST_ISSUER = "https://idp.example.com";
export const TEST_AUDIENCE = "https://thoth.example.com/mcp/oauth";

export interface TestIssuer {
  jwksUrl: string;
  /** What the JWKS endpoint answers now. */
  mode: "keys" | "garbage" | "slow" | "down";
  keys: JWK[];
  publicJwk: JWK;
  signing: { privateKey: CryptoKey; publicKey: CryptoKey };
  fetches: number;
  /** A token with `claims` over the defaults (issuer, audience, five minutes), signed with `key` under `kid`. */
  sign(claims?: Record<string, unknown>, kid?: string, key?: CryptoKey): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const signing = await generateKeyPair("RS256", { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const issuer: TestIssuer = {
    jwksUrl: "",
    mode: "keys",
    keys: [publicJwk],
    publicJwk,
    signing,
    fetches: 0,
    sign(claims = {}, kid = "k1", key = signing.privateKey) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: "RS256", kid })
        .sign(key);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((_req, res) => {
    issuer.fetches++;
    if (issuer.mode === "slow") return; // never answers
    if (issuer.mode === "down") {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(issuer.mode === "garbage" ? "<html>not keys</html>" : JSON.stringify({ keys: issuer.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer.jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return issuer;
}
