/**
 * A local HTTP server speaking the parts of the GitLab REST API v4 that Thoth uses: project, commit of a ref,
 * the recursive tree with page-number pagination (X-Next-Page), and raw blobs. Private-token auth, fault
 * injection (status codes, Retry-After, slow answers) and request counting.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export class FakeGitLab {
  readonly files = new Map<string, string | Uint8Array>();
  readonly requests: string[] = [];
  token = "glpat-test-token";
  projectPath = "eng/handbook";
  projectId = "42";
  commit = "c0ffee0000000000000000000000000000000001";
  /** Statuses for the next requests (e.g. [500, 429]); a 429 carries Retry-After: 0. */
  faults: number[] = [];
  /** Milliseconds to wait before answering (timeouts). */
  delayMs = 0;
  #server?: Server;
  url = "";

  static blobId(content: string | Uint8Array): string {
    const bytes = typeof content === "string" ? Buffer.from(content) : Buffer.from(content);
    return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
  }

  /** Replaces the repository content and moves the ref to a new commit. */
  commitFiles(files: Record<string, string | Uint8Array>): void {
    this.files.clear();
    for (const [path, content] of Object.entries(files)) this.files.set(path, content);
    this.commit = createHash("sha1")
      .update(JSON.stringify([...this.files.keys()]) + Math.random())
      .digest("hex");
  }

  count(fragment: string): number {
    return this.requests.filter((r) => r.includes(fragment)).length;
  }

  async start(): Promise<this> {
    this.#server = createServer(async (req, res) => {
      const url = new URL(req.url!, "http://localhost");
      this.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        const payload = body instanceof Uint8Array || typeof body === "string" ? body : JSON.stringify(body);
        res.writeHead(status, {
          "content-type":
            typeof body === "object" && !(body instanceof Uint8Array)
              ? "application/json"
              : "application/octet-stream",
          ...headers,
        });
        res.end(payload);
      };
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      const fault = this.faults.shift();
      if (fault)
        return send(fault, { message: `injected ${fault}` }, fault === 429 ? { "retry-after": "0" } : {});
      if (req.headers["private-token"] !== this.token) return send(401, { message: "401 Unauthorized" });
      const prefix = `/api/v4/projects/`;
      if (!url.pathname.startsWith(prefix)) return send(404, { message: "404 Not Found" });
      const [idPart, ...rest] = url.pathname.slice(prefix.length).split("/");
      const id = decodeURIComponent(idPart!);
      if (id !== this.projectId && id !== this.projectPath)
        return send(404, { message: "404 Project Not Found" });
      const route = rest.join("/");
      const base = this.url;
      if (route === "")
        return send(200, {
          id: Number(this.projectId),
          path_with_namespace: this.projectPath,
          web_url: `${base}/${this.projectPath}`,
        });
      if (route.startsWith("repository/commits/")) {
        const ref = decodeURIComponent(route.slice("repository/commits/".length));
        return ref === "main" || ref === this.commit
          ? send(200, { id: this.commit })
          : send(404, { message: "404 Commit Not Found" });
      }
      if (route === "repository/tree") {
        if (url.searchParams.get("ref") !== this.commit) return send(404, { message: "404 Tree Not Found" });
        const path = url.searchParams.get("path") ?? "";
        const perPage = Number(url.searchParams.get("per_page") ?? 20);
        const page = Number(url.searchParams.get("page") ?? 1);
        const blobs = [...this.files.entries()]
          .filter(([p]) => !path || p.startsWith(`${path}/`))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([p, content]) => ({
            id: FakeGitLab.blobId(content),
            name: p.split("/").pop(),
            type: "blob",
            path: p,
            mode: "100644",
          }));
        const folders = [
          ...new Set(
            blobs.flatMap((b) =>
              b.path
                .split("/")
                .slice(0, -1)
                .map((_, i, parts) => parts.slice(0, i + 1).join("/")),
            ),
          ),
        ].map((p) => ({
          id: createHash("sha1").update(p).digest("hex"),
          name: p.split("/").pop(),
          type: "tree",
          path: p,
          mode: "040000",
        }));
        const all = [...folders, ...blobs];
        const items = all.slice((page - 1) * perPage, page * perPage);
        const next = page * perPage < all.length ? String(page + 1) : "";
        return send(200, items, {
          "x-next-page": next,
          "x-page": String(page),
          "x-per-page": String(perPage),
          "x-total": String(all.length),
        });
      }
      const blob = /^repository\/blobs\/([0-9a-f]{40})\/raw$/.exec(route);
      if (blob) {
        const content = [...this.files.values()].find((c) => FakeGitLab.blobId(c) === blob[1]);
        return content === undefined
          ? send(404, { message: "404 Blob Not Found" })
          : send(200, typeof content === "string" ? Buffer.from(content) : content);
      }
      return send(404, { message: "404 Not Found" });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }
}
