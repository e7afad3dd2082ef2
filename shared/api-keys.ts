/** One API key and, optionally, the only collections it may see. */
export interface ApiKeyEntry {
  key: string;
  collections?: string[];
}

/**
 * Parses the API-keys secret. Accepted forms: keys separated by commas or newlines; a JSON list whose items are
 * keys or `{"key": "…", "collections": ["…"]}`; or `{"keys": [ …same items… ]}`. Several keys allow rotation
 * without downtime: add the new key, move clients, drop the old one.
 */
export function parseApiKeyEntries(secret: string | undefined): ApiKeyEntry[] {
  if (!secret?.trim()) return [];
  const text = secret.trim();
  if (text.startsWith("[") || text.startsWith("{")) {
    try {
      const value = JSON.parse(text) as unknown;
      const list = Array.isArray(value) ? value : (value as { keys?: unknown }).keys;
      if (Array.isArray(list)) return list.flatMap(toEntry);
    } catch {
      // not JSON after all: fall through to the separated form
    }
  }
  return text
    .split(/[,\n]/)
    .map((k) => k.trim())
    .filter(Boolean)
    .map((key) => ({ key }));
}

function toEntry(item: unknown): ApiKeyEntry[] {
  if (typeof item === "string") return item ? [{ key: item }] : [];
  if (
    item &&
    typeof item === "object" &&
    typeof (item as ApiKeyEntry).key === "string" &&
    (item as ApiKeyEntry).key
  ) {
    const { key, collections } = item as { key: string; collections?: unknown };
    if (Array.isArray(collections))
      return [{ key, collections: collections.filter((c): c is string => typeof c === "string") }];
    return [{ key }];
  }
  return [];
}

/** Just the keys. */
export function parseApiKeys(secret: string | undefined): string[] {
  return parseApiKeyEntries(secret).map((e) => e.key);
}
