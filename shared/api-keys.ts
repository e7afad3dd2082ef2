import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";
import { z } from "zod";

/** One API key and, optionally, the only collections it may see. */
export interface ApiKeyEntry {
  key: string;
  collections?: string[];
}

/** The API-key setting is malformed. The message says where, and never quotes the setting (it holds keys). */
export class ApiKeySettingError extends Error {
  override name = "ApiKeySettingError";
}

const KeySchema = z
  .string()
  .min(1, "a key must not be empty")
  .refine((k) => k.trim() === k && !/[\s,]/.test(k), "a key must not contain spaces or commas");
/**
 * A collection allowlist, as API keys and OAuth groups both carry it: at least one name when present; absent
 * means every collection. An empty list is refused rather than read as "nothing" or "everything".
 */
export const CollectionAllowlistSchema = z
  .array(z.string().min(1))
  .min(1, "list at least one collection, or leave the entry unrestricted")
  .optional();
const EntryObjectSchema = z.strictObject({ key: KeySchema, collections: CollectionAllowlistSchema });
const SettingSchema = z.union([
  z.array(z.unknown()).min(1),
  z.strictObject({ keys: z.array(z.unknown()).min(1) }),
]);

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/**
 * Parses the API-keys secret. Accepted forms: keys separated by commas or newlines; a JSON list whose items are
 * keys or `{"key": "…", "collections": ["…"]}`; or `{"keys": [ …same items… ]}`. Several keys allow rotation
 * without downtime: add the new key, move clients, drop the old one.
 *
 * Fails closed: a setting that starts like JSON but does not parse, or whose entries do not match the schema
 * (an allowlist that is not a list, a misspelt field), throws rather than falling back to reading fragments of
 * it as keys or dropping an allowlist.
 */
export function parseApiKeyEntries(
  secret: string | undefined,
  source = "the API key setting",
): ApiKeyEntry[] {
  if (!secret?.trim()) return [];
  const text = secret.trim();
  if (!text.startsWith("[") && !text.startsWith("{")) {
    const keys = text
      .split(/[,\n]/)
      .map((k) => k.trim())
      .filter(Boolean);
    for (const key of keys) {
      if (/\s|["'[\]{}]/.test(key))
        throw new ApiKeySettingError(
          `${source}: a comma-separated key contains spaces, quotes or brackets; write the keys as a JSON list instead`,
        );
    }
    return keys.map((key) => ({ key }));
  }
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length) {
    const first = errors[0]!;
    throw new ApiKeySettingError(
      `${source} starts like JSON but is not valid JSON: ${printParseErrorCode(first.error)} at ${lineAndColumn(text, first.offset)} (character ${first.offset + 1})`,
    );
  }
  const setting = SettingSchema.safeParse(value);
  if (!setting.success) {
    throw new ApiKeySettingError(
      `${source} is not a list of keys: use ["key", {"key": "…", "collections": ["…"]}] or {"keys": [ … ]}`,
    );
  }
  const list = Array.isArray(setting.data) ? setting.data : setting.data.keys;
  return list.map((item, i) => {
    const entry = (typeof item === "string" ? KeySchema : EntryObjectSchema).safeParse(item);
    if (!entry.success) {
      const issue = entry.error.issues[0]!;
      const where = [i, ...issue.path]
        .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
        .join("");
      throw new ApiKeySettingError(
        `${source}: entry ${where} is not a key or {"key": "…", "collections": ["…"]}: ${issue.message}`,
      );
    }
    const data = entry.data;
    if (typeof data === "string") return { key: data };
    return data.collections ? { key: data.key, collections: data.collections } : { key: data.key };
  });
}

/** Just the keys. */
export function parseApiKeys(secret: string | undefined, source?: string): string[] {
  return parseApiKeyEntries(secret, source).map((e) => e.key);
}

/** The key to hand a client: the first unrestricted one, else the first. */
export function clientKey(entries: ApiKeyEntry[]): string | undefined {
  return (entries.find((e) => !e.collections) ?? entries[0])?.key;
}
