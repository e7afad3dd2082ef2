import { z } from "zod";
import { SourceError } from "../../core/errors.js";
import type { Source, SourceDocument } from "../../core/ports.js";
import { DEFAULT_RETRY, fetchWithRetry, type RetryPolicy } from "./http.js";

export const SigmaCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export type SigmaCredentials = z.infer<typeof SigmaCredentialsSchema>;

/** Parses the sigma-credentials secret (`{"clientId": …, "clientSecret": …}`), never echoing it. */
export function parseSigmaCredentials(secret: string | undefined): SigmaCredentials {
  if (!secret) throw new SourceError("the sigma-credentials secret is not set");
  let value: unknown;
  try {
    value = JSON.parse(secret);
  } catch {
    value = undefined;
  }
  const result = SigmaCredentialsSchema.safeParse(value);
  if (!result.success)
    throw new SourceError('the sigma-credentials secret must be JSON {"clientId": "…", "clientSecret": "…"}');
  return result.data;
}

export interface SigmaSourceOptions {
  /** e.g. https://api.sigmacomputing.com */
  baseUrl: string;
  credentials: SigmaCredentials;
  pageSize?: number;
  retry?: RetryPolicy;
}

const EntrySchema = z
  .object({
    id: z.string().optional(),
    workbookId: z.string().optional(),
    datasetId: z.string().optional(),
    name: z.string(),
    type: z.string().optional(),
    path: z.string().optional(),
    url: z.string().optional(),
    description: z.string().nullish(),
    updatedAt: z.string().optional(),
    isArchived: z.boolean().optional(),
  })
  .loose();
const PageSchema = z
  .object({ entries: z.array(EntrySchema), nextPage: z.string().nullish(), hasMore: z.boolean().optional() })
  .loose();
type Entry = z.infer<typeof EntrySchema>;

/** The listings a Sigma organisation exposes, and the document type each yields. */
const LISTINGS = [
  { path: "workbooks", type: "workbook" },
  { path: "datasets", type: "dataset" },
  { path: "files", type: "file" },
] as const;

/**
 * The Sigma Computing API as documents: an OAuth client-credentials token (renewed when it expires or is
 * rejected), then the workbooks, datasets and files listings, page by page. Each item becomes a Markdown
 * document with its name, type, path, URL, description and update time.
 */
export class SigmaSource implements Source {
  readonly type = "sigma" as const;
  readonly #base: string;
  #token: { value: string; expires: number } | undefined;

  constructor(private readonly options: SigmaSourceOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
  }

  get origin(): string {
    return this.#base;
  }

  async cursor(): Promise<string | undefined> {
    return undefined;
  }

  async #accessToken(renew = false): Promise<string> {
    if (!renew && this.#token && this.#token.expires > Date.now()) return this.#token.value;
    const response = await fetchWithRetry(
      `${this.#base}/v2/auth/token`,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: this.options.credentials.clientId,
          client_secret: this.options.credentials.clientSecret,
        }),
      },
      "Sigma token request",
      this.options.retry ?? DEFAULT_RETRY,
    );
    if (!response.ok) {
      await response.body?.cancel();
      throw new SourceError(
        `Sigma refused the client credentials (HTTP ${response.status}); check the sigma-credentials secret`,
      );
    }
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new SourceError("Sigma's token response had no access_token");
    // Renew a minute early so a long listing never runs on an expiring token.
    this.#token = {
      value: body.access_token,
      expires: Date.now() + Math.max(0, (body.expires_in ?? 3600) - 60) * 1000,
    };
    return this.#token.value;
  }

  async #getJson(path: string, what: string): Promise<unknown> {
    for (let renewed = false; ; renewed = true) {
      const response = await fetchWithRetry(
        `${this.#base}${path}`,
        {
          headers: {
            authorization: `Bearer ${await this.#accessToken(renewed)}`,
            accept: "application/json",
          },
        },
        `Sigma ${what}`,
        this.options.retry ?? DEFAULT_RETRY,
      );
      if (response.status === 401 && !renewed) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new SourceError(`Sigma answered HTTP ${response.status} for ${what}`);
      }
      return response.json();
    }
  }

  async *documents(): AsyncIterable<SourceDocument> {
    const seen = new Set<string>();
    for (const listing of LISTINGS) {
      let page: string | undefined;
      do {
        const query = new URLSearchParams({
          limit: String(this.options.pageSize ?? 100),
          ...(page ? { page } : {}),
        });
        const parsed = PageSchema.safeParse(
          await this.#getJson(`/v2/${listing.path}?${query}`, `${listing.path} listing`),
        );
        if (!parsed.success)
          throw new SourceError(`Sigma's ${listing.path} listing did not have the expected shape`);
        for (const entry of parsed.data.entries) {
          const document = toDocument(entry, listing.type);
          // Files also list workbooks and datasets, already taken from their own listings; folders are not documents.
          if (!document || seen.has(document.metadata!.sigmaId!)) continue;
          seen.add(document.metadata!.sigmaId!);
          yield document;
        }
        page = parsed.data.nextPage ?? undefined;
      } while (page);
    }
  }
}

function toDocument(entry: Entry, listingType: string): SourceDocument | undefined {
  const id = entry.workbookId ?? entry.datasetId ?? entry.id;
  const type = (listingType === "file" ? entry.type : listingType)?.toLowerCase() ?? "file";
  if (!id || type === "folder" || entry.isArchived) return undefined;
  const description = entry.description?.trim() ?? "";
  const lines = [
    `# ${entry.name}`,
    "",
    `- Type: ${type}`,
    ...(entry.path ? [`- Path: ${entry.path}`] : []),
    ...(entry.updatedAt ? [`- Updated: ${entry.updatedAt}`] : []),
    ...(entry.url ? [`- URL: ${entry.url}`] : []),
    ...(description ? ["", description] : []),
  ];
  return {
    path: `${type}s/${entry.path ? `${entry.path}/` : ""}${entry.name} (${id.slice(0, 8)})`,
    bytes: new TextEncoder().encode(lines.join("\n")),
    format: "markdown",
    title: entry.name,
    ...(entry.url ? { url: entry.url } : {}),
    ...(entry.updatedAt ? { updatedAt: entry.updatedAt, revision: entry.updatedAt } : {}),
    metadata: { type, sigmaId: id, ...(description ? { description } : {}) },
  };
}
