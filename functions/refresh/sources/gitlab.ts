import { SourceError } from "../../core/errors.js";
import { formatOf } from "../../core/normalize.js";
import type { Source, SourceDocument, UnchangedDocument } from "../../core/ports.js";
import { DEFAULT_RETRY, fetchWithRetry, type RetryPolicy } from "./http.js";

export interface GitLabSourceOptions {
  /** e.g. https://gitlab.com */
  baseUrl: string;
  /** Numeric id or `group/project` path. */
  projectId: string;
  ref: string;
  /** Only files under this folder. */
  pathPrefix?: string;
  /** A token with read_api / read_repository; public projects need none. */
  token?: string;
  retry?: RetryPolicy;
}

interface TreeEntry {
  id: string;
  path: string;
  type: "blob" | "tree" | "commit";
}

/**
 * A GitLab repository through the REST API v4: the tree at the ref's commit (paginated), then each file's raw
 * blob. Incremental: a file whose blob SHA equals the previous run's is not downloaded again.
 */
export class GitLabSource implements Source {
  readonly type = "gitlab" as const;
  readonly #api: string;
  #commit: string | undefined;

  constructor(private readonly options: GitLabSourceOptions) {
    this.#api = `${options.baseUrl.replace(/\/+$/, "")}/api/v4/projects/${encodeURIComponent(options.projectId)}`;
  }

  get origin(): string {
    return `${this.options.baseUrl} ${this.options.projectId}@${this.options.ref}`;
  }

  async cursor(): Promise<string | undefined> {
    return this.#commit;
  }

  async #get(path: string, what: string): Promise<Response> {
    const response = await fetchWithRetry(
      `${this.#api}${path}`,
      { headers: this.options.token ? { "PRIVATE-TOKEN": this.options.token } : {} },
      `GitLab ${what}`,
      this.options.retry ?? DEFAULT_RETRY,
    );
    if (response.ok) return response;
    await response.body?.cancel();
    if (response.status === 401)
      throw new SourceError(
        `GitLab rejected the token (HTTP 401) for ${what}; check the gitlab-token secret`,
      );
    if (response.status === 403)
      throw new SourceError(
        `GitLab refused ${what} (HTTP 403); the token needs read_api and read_repository`,
      );
    if (response.status === 404)
      throw new SourceError(
        `GitLab found no ${what} (HTTP 404): check projectId "${this.options.projectId}" and ref "${this.options.ref}"`,
      );
    throw new SourceError(`GitLab answered HTTP ${response.status} for ${what}`);
  }

  async *documents(
    known: ReadonlyMap<string, string> = new Map(),
  ): AsyncIterable<SourceDocument | UnchangedDocument> {
    const project = (await (await this.#get("", "project")).json()) as { web_url?: string };
    const commit = (await (
      await this.#get(
        `/repository/commits/${encodeURIComponent(this.options.ref)}`,
        `ref ${this.options.ref}`,
      )
    ).json()) as { id: string };
    this.#commit = commit.id;
    const prefix = (this.options.pathPrefix ?? "").replace(/^\/+|\/+$/g, "");
    for await (const entry of this.#tree(commit.id, prefix)) {
      if (entry.type !== "blob") continue;
      if (!formatOf(entry.path)) {
        yield { path: entry.path, bytes: new Uint8Array(), skip: "unsupported file type" };
      } else if (known.get(entry.path) === entry.id) {
        yield { path: entry.path, unchanged: true };
      } else {
        const raw = await this.#get(`/repository/blobs/${entry.id}/raw`, `file ${entry.path}`);
        yield {
          path: entry.path,
          bytes: new Uint8Array(await raw.arrayBuffer()),
          revision: entry.id,
          ...(project.web_url
            ? {
                url: `${project.web_url}/-/blob/${commit.id}/${entry.path.split("/").map(encodeURIComponent).join("/")}`,
              }
            : {}),
        };
      }
    }
  }

  async *#tree(commit: string, prefix: string): AsyncIterable<TreeEntry> {
    let page: string | null = "1";
    while (page) {
      const query = new URLSearchParams({
        ref: commit,
        recursive: "true",
        per_page: "100",
        page,
        ...(prefix ? { path: prefix } : {}),
      });
      const response = await this.#get(`/repository/tree?${query}`, "repository tree");
      const entries = (await response.json()) as TreeEntry[];
      yield* entries;
      page = response.headers.get("x-next-page") || null;
    }
  }
}
