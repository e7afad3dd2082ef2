import { createHash, timingSafeEqual } from "node:crypto";
import { ApiKeySettingError, parseApiKeyEntries, type ApiKeyEntry } from "../../shared/api-keys.js";
import { DependencyUnavailableError } from "../core/errors.js";
import type { Scope } from "../core/read-model.js";
import type { SecretSource } from "../core/ports.js";
import { logger } from "../lib/logger.js";

/** Who is calling: what an authenticated key may see. */
export interface Principal {
  /** The key's collection allowlist; undefined means every collection. */
  scope: Scope;
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1]?.trim();
  return bearer || headers.get("x-api-key")?.trim() || undefined;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

interface KnownKey {
  digest: Buffer;
  scope: Scope;
}

/**
 * Checks API keys against the `api-keys` secret on every request. Fails closed. It keeps no copy of its own: the
 * secret source's cache (SECRET_CACHE_SECONDS in AWS; none for environment variables) is the only time a rotated
 * or revoked key waits for; the setting is parsed again only when its value changed.
 */
export class ApiKeyAuthenticator {
  #parsed?: { setting: string | undefined; keys: KnownKey[] };

  constructor(private readonly secrets: SecretSource) {}

  async #keys(): Promise<KnownKey[]> {
    const setting = await this.secrets.getSecret("api-keys");
    if (this.#parsed && this.#parsed.setting === setting) return this.#parsed.keys;
    let entries: ApiKeyEntry[];
    try {
      entries = parseApiKeyEntries(setting, "the api-keys secret");
    } catch (error) {
      if (!(error instanceof ApiKeySettingError)) throw error;
      // Fail closed, and loudly: no request is served with a key list that cannot be read exactly. Not cached,
      // so a fixed secret is picked up on the next request.
      logger.error("the API key setting is invalid; every request gets 503", { reason: error.message });
      throw new DependencyUnavailableError("the API key setting is invalid", { cause: error });
    }
    if (!entries.length) logger.error("no API keys are configured; every request is refused");
    const keys = entries.map((e) => ({
      digest: digest(e.key),
      scope: e.collections ? new Set(e.collections) : undefined,
    }));
    this.#parsed = { setting, keys };
    return keys;
  }

  /** The caller's principal, or undefined when the key is missing or unknown. */
  async authenticate(headers: Headers): Promise<Principal | undefined> {
    const key = presentedKey(headers);
    if (!key) return undefined;
    const presented = digest(key);
    let match: KnownKey | undefined;
    // Compare fixed-length digests in constant time, against every key, so timing reveals nothing.
    for (const known of await this.#keys()) {
      if (timingSafeEqual(presented, known.digest) && !match) match = known;
    }
    return match ? { scope: match.scope } : undefined;
  }
}
