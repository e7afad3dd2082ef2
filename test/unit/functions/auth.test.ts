import { describe, expect, it } from "vitest";
import type { SecretSource } from "../../../functions/core/ports.js";
import { ApiKeyAuthenticator, presentedKey } from "../../../functions/mcp-server/auth.js";
import { parseApiKeyEntries, parseApiKeys } from "../../../shared/api-keys.js";

class CountingSecrets implements SecretSource {
  reads = 0;
  constructor(public value: string | undefined) {}
  async getSecret() {
    this.reads++;
    return this.value;
  }
}

describe("presentedKey", () => {
  it("reads Authorization: Bearer and x-api-key", () => {
    expect(presentedKey(new Headers({ authorization: "Bearer abc" }))).toBe("abc");
    expect(presentedKey(new Headers({ authorization: "bearer   abc  " }))).toBe("abc");
    expect(presentedKey(new Headers({ "x-api-key": "xyz" }))).toBe("xyz");
    expect(presentedKey(new Headers({ authorization: "Basic Zm9vOmJhcg==" }))).toBeUndefined();
    expect(presentedKey(new Headers())).toBeUndefined();
  });
});

describe("parseApiKeys", () => {
  it("accepts a JSON list, an object with keys, or separated keys", () => {
    expect(parseApiKeys('["a","b"]')).toEqual(["a", "b"]);
    expect(parseApiKeys('{"keys":["a"]}')).toEqual(["a"]);
    expect(parseApiKeys("a, b\nc")).toEqual(["a", "b", "c"]);
    expect(parseApiKeys("  ")).toEqual([]);
    expect(parseApiKeys(undefined)).toEqual([]);
  });
});

describe("ApiKeyAuthenticator", () => {
  it("accepts any configured key, so keys rotate without downtime", async () => {
    const auth = new ApiKeyAuthenticator(new CountingSecrets("old-key,new-key"));
    expect(await auth.authenticate(new Headers({ authorization: "Bearer old-key" }))).toBeDefined();
    expect(await auth.authenticate(new Headers({ "x-api-key": "new-key" }))).toBeDefined();
  });

  it("rejects a missing, wrong or prefix-matching key", async () => {
    const auth = new ApiKeyAuthenticator(new CountingSecrets("secret-key"));
    expect(await auth.authenticate(new Headers())).toBeUndefined();
    expect(await auth.authenticate(new Headers({ authorization: "Bearer wrong" }))).toBeUndefined();
    expect(await auth.authenticate(new Headers({ authorization: "Bearer secret" }))).toBeUndefined();
    expect(
      await auth.authenticate(new Headers({ authorization: "Bearer secret-key-and-more" })),
    ).toBeUndefined();
  });

  it("fails closed when no key is configured", async () => {
    const auth = new ApiKeyAuthenticator(new CountingSecrets(undefined));
    expect(await auth.authenticate(new Headers({ authorization: "Bearer anything" }))).toBeUndefined();
  });

  it("caches the keys for the TTL and re-reads after it", async () => {
    const secrets = new CountingSecrets("k1");
    const auth = new ApiKeyAuthenticator(secrets, 50);
    await auth.authenticate(new Headers({ "x-api-key": "k1" }));
    await auth.authenticate(new Headers({ "x-api-key": "k1" }));
    expect(secrets.reads).toBe(1);
    secrets.value = "k2";
    await new Promise((r) => setTimeout(r, 60));
    expect(await auth.authenticate(new Headers({ "x-api-key": "k2" }))).toBeDefined();
    expect(secrets.reads).toBe(2);
  });

  it("gives a key with a collection allowlist exactly that scope", async () => {
    const auth = new ApiKeyAuthenticator(
      new CountingSecrets(
        JSON.stringify({ keys: ["admin-key", { key: "sales-key", collections: ["analytics"] }] }),
      ),
    );
    expect(await auth.authenticate(new Headers({ "x-api-key": "admin-key" }))).toEqual({ scope: undefined });
    expect(await auth.authenticate(new Headers({ "x-api-key": "sales-key" }))).toEqual({
      scope: new Set(["analytics"]),
    });
  });
});

describe("parseApiKeyEntries", () => {
  it("reads allowlists and ignores malformed items", () => {
    expect(parseApiKeyEntries('[{"key":"a","collections":["x","y"]},"b",{"nokey":1},""]')).toEqual([
      { key: "a", collections: ["x", "y"] },
      { key: "b" },
    ]);
  });
});
