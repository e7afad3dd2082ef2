import { createHash, timingSafeEqual } from "node:crypto";
import type { SecretSource } from "../core/ports.js";
import { logger } from "../lib/logger.js";
import { parseApiKeys } from "../../shared/api-keys.js";

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get("authorization");
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1]?.trim();
  return bearer || headers.get("x-api-key")?.trim() || undefined;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Checks API keys against the `api-keys` secret, re-read at most every `ttlMs`. Fails closed. */
export class ApiKeyAuthenticator {
  #cache?: { digests: Buffer[]; expires: number };

  constructor(
    private readonly secrets: SecretSource,
    private readonly ttlMs = 60_000,
  ) {}

  async #digests(): Promise<Buffer[]> {
    if (this.#cache && this.#cache.expires > Date.now()) return this.#cache.digests;
    const keys = parseApiKeys(await this.secrets.getSecret("api-keys"));
    if (!keys.length) logger.error("no API keys are configured; every request is refused");
    const digests = keys.map(digest);
    this.#cache = { digests, expires: Date.now() + this.ttlMs };
    return digests;
  }

  async authenticate(headers: Headers): Promise<boolean> {
    const key = presentedKey(headers);
    if (!key) return false;
    const presented = digest(key);
    let match = false;
    // Compare fixed-length digests in constant time, against every key, so timing reveals nothing.
    for (const known of await this.#digests()) match = timingSafeEqual(presented, known) || match;
    return match;
  }
}
