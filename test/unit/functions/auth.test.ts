import { describe, expect, it } from "vitest";
import type { SecretSource } from "../../../functions/core/ports.js";
import { ApiKeyAuthenticator, presentedKey } from "../../../functions/mcp-server/auth.js";
import { parseApiKeys } from "../../../shared/api-keys.js";

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
    expect(await auth.authenticate(new Headers({ authorization: "Bearer old-key" }))).toBe(true);
    expect(await auth.authenticate(new Headers({ "x-api-key": "new-key" }))).toBe(true);
  });

  it("rejects a missing, wrong or prefix-matching key", async () => {
    const auth = new ApiKeyAuthenticator(new CountingSecrets("secret-key"));
    expect(await auth.authenticate(new Headers())).toBe(false);
    expect(await auth.authenticate(new Headers({ authorization: "Bearer wrong" }))).toBe(false);
    expect(await auth.authenticate(new Headers({ authorization: "Bearer secret" }))).toBe(false);
    expect(await auth.authenticate(new Headers({ authorization: "Bearer secret-key-and-more" }))).toBe(false);
  });

  it("fails closed when no key is configured", async () => {
    const auth = new ApiKeyAuthenticator(new CountingSecrets(undefined));
    expect(await auth.authenticate(new Headers({ authorization: "Bearer anything" }))).toBe(false);
  });

  it("caches the keys for the TTL and re-reads after it", async () => {
    const secrets = new CountingSecrets("k1");
    const auth = new ApiKeyAuthenticator(secrets, 50);
    await auth.authenticate(new Headers({ "x-api-key": "k1" }));
    await auth.authenticate(new Headers({ "x-api-key": "k1" }));
    expect(secrets.reads).toBe(1);
    secrets.value = "k2";
    await new Promise((r) => setTimeout(r, 60));
    expect(await auth.authenticate(new Headers({ "x-api-key": "k2" }))).toBe(true);
    expect(secrets.reads).toBe(2);
  });
});
