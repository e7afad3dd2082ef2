/**
 * Parses the API-keys secret: a JSON array of strings, `{"keys": [...]}`, or keys separated by commas or
 * newlines. Several keys allow rotation without downtime: add the new key, move clients, drop the old one.
 */
export function parseApiKeys(secret: string | undefined): string[] {
  if (!secret?.trim()) return [];
  const text = secret.trim();
  if (text.startsWith("[") || text.startsWith("{")) {
    try {
      const value = JSON.parse(text) as unknown;
      const list = Array.isArray(value) ? value : (value as { keys?: unknown }).keys;
      if (Array.isArray(list)) return list.filter((k): k is string => typeof k === "string" && k.length > 0);
    } catch {
      // not JSON after all: fall through to the separated form
    }
  }
  return text
    .split(/[,\n]/)
    .map((k) => k.trim())
    .filter(Boolean);
}
