import { describe, expect, it } from "vitest";
import type { SecretSource } from "../../../functions/core/ports.js";
import { ApiKeyAuthenticator, presentedKey } from "../../../functions/mcp-server/auth.js";
import { DependencyUnavailableError } from "../../../functions/core/errors.js";
import { ApiKeySettingError, parseApiKeyEntries, parseApiKeys } from "../../../shared/api-keys.js";

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
    expect(await auth.authenticate(new Headers({ authorization: "Bearer old-key" }))).toEqual({
      scope: undefined,
    });
    expect(await auth.authenticate(new Headers({ "x-api-key": "new-key" }))).toEqual({ scope: undefined });
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

  it("asks the secret source on every request, so its cache is the only delay a rotated key waits for", async () => {
    const secrets = new CountingSecrets("k1");
    const auth = new ApiKeyAuthenticator(secrets);
    expect(await auth.authenticate(new Headers({ "x-api-key": "k1" }))).toEqual({ scope: undefined });
    expect(secrets.reads).toBe(1);
    secrets.value = "k2";
    expect(await auth.authenticate(new Headers({ "x-api-key": "k1" }))).toBeUndefined();
    expect(await auth.authenticate(new Headers({ "x-api-key": "k2" }))).toEqual({ scope: undefined });
    expect(secrets.reads).toBe(3);
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
  it("reads allowlists", () => {
    expect(parseApiKeyEntries('[{"key":"a","collections":["x","y"]},"b",{"key":"c"}]')).toEqual([
      { key: "a", collections: ["x", "y"] },
      { key: "b" },
      { key: "c" },
    ]);
  });

  it("refuses JSON that does not parse, saying where it breaks and never quoting it", () => {
    const setting = '[{"key":"limited","collections":["a"]},"full",]';
    const error = (() => {
      try {
        parseApiKeyEntries(setting, "THOTH_API_KEY");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ApiKeySettingError);
    expect(error!.message).toBe(
      "THOTH_API_KEY starts like JSON but is not valid JSON: ValueExpected at line 1, column 47 (character 47)",
    );
    expect(error!.message).not.toMatch(/limited|full/);
    expect(() => parseApiKeyEntries('{"keys": ["a" "b"]}')).toThrow(/CommaExpected at line 1, column 15/);
    expect(() => parseApiKeyEntries('["a",\n "b')).toThrow(/UnexpectedEndOfString at line 2/);
  });

  it.each([
    ['[{"key":"k","collections":"a"}]', /\[0\]/],
    ['[{"key":"k","collection":["a"]}]', /\[0\]/],
    ['[{"key":"k","collections":null}]', /\[0\]/],
    ['[{"key":"k","collections":[]}]', /\[0\]/],
    ['[{"nokey":1}]', /\[0\]/],
    ['[""]', /\[0\]/],
    ['{"keys":"a"}', /not a list of keys/],
    ["[]", /not a list of keys/],
    ['["has space"]', /\[0\]/],
  ])(
    "fails closed on an entry that is not a key or a key with a list of collections: %s",
    (setting, where) => {
      expect(() => parseApiKeyEntries(setting)).toThrow(ApiKeySettingError);
      expect(() => parseApiKeyEntries(setting)).toThrow(where);
    },
  );

  it("refuses comma-separated keys that look like broken JSON or carry spaces", () => {
    expect(() => parseApiKeyEntries('"full", other')).toThrow(/write the keys as a JSON list/);
    expect(() => parseApiKeyEntries("a b, c")).toThrow(ApiKeySettingError);
  });
});

describe("ApiKeyAuthenticator with a malformed setting", () => {
  it("answers with a dependency error (503), never with fragments of the setting as keys", async () => {
    const setting = '[{"key":"limited","collections":["a"]},"full",]';
    const auth = new ApiKeyAuthenticator(new CountingSecrets(setting));
    for (const key of ["]", '"full"', "full", "limited"]) {
      await expect(auth.authenticate(new Headers({ authorization: `Bearer ${key}` }))).rejects.toThrow(
        DependencyUnavailableError,
      );
    }
    const allowlist = new ApiKeyAuthenticator(new CountingSecrets('[{"key":"k","collections":"a"}]'));
    await expect(allowlist.authenticate(new Headers({ "x-api-key": "k" }))).rejects.toThrow(
      "the API key setting is invalid",
    );
  });

  it("picks the fixed setting up on the next request", async () => {
    const secrets = new CountingSecrets("[broken");
    const auth = new ApiKeyAuthenticator(secrets);
    await expect(auth.authenticate(new Headers({ "x-api-key": "k" }))).rejects.toThrow();
    secrets.value = '["k"]';
    expect(await auth.authenticate(new Headers({ "x-api-key": "k" }))).toEqual({ scope: undefined });
  });
});
