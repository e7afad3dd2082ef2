/**
 * A local HTTP server speaking the parts of the Sigma Computing REST API v2 that Thoth uses: the OAuth
 * client-credentials token endpoint and the workbooks, datasets and files listings with `nextPage`
 * pagination. Tokens can be expired on demand; faults and requests are injectable and counted.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SigmaItem {
  id: string;
  name: string;
  type?: string;
  path?: string;
  description?: string;
  updatedAt?: string;
  url?: string;
}

export class FakeSigma {
  clientId = "sigma-client";
  clientSecret = "sigma-secret-value";
  workbooks: SigmaItem[] = [];
  datasets: SigmaItem[] = [];
  files: SigmaItem[] = [];
  readonly requests: string[] = [];
  faults: number[] = [];
  tokensIssued = 0;
  #valid = new Set<string>();
  #server?: Server;
  url = "";

  /** Every token issued so far stops working (as when a token expires mid-run). */
  expireTokens(): void {
    this.#valid.clear();
  }

  async start(): Promise<this> {
    this.#server = createServer(async (req, res) => {
      const url = new URL(req.url!, "http://localhost");
      this.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const parts: Buffer[] = [];
      for await (const part of req) parts.push(part as Buffer);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      const fault = this.faults.shift();
      if (fault)
        return send(fault, { message: `injected ${fault}` }, fault === 429 ? { "retry-after": "0" } : {});
      if (req.method === "POST" && url.pathname === "/v2/auth/token") {
        const form = new URLSearchParams(Buffer.concat(parts).toString());
        if (
          form.get("grant_type") !== "client_credentials" ||
          form.get("client_id") !== this.clientId ||
          form.get("client_secret") !== this.clientSecret
        ) {
          return send(401, { message: "invalid client credentials" });
        }
        const token = `sigma-token-${++this.tokensIssued}`;
        this.#valid.add(token);
        return send(200, { access_token: token, token_type: "bearer", expires_in: 3600 });
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token || !this.#valid.has(token)) return send(401, { message: "token expired or invalid" });
      const listing = {
        "/v2/workbooks": this.#workbooks(),
        "/v2/datasets": this.#datasets(),
        "/v2/files": this.files,
      }[url.pathname];
      if (!listing) return send(404, { message: "not found" });
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const start = Number(url.searchParams.get("page") ?? 0);
      const entries = listing.slice(start, start + limit);
      const nextPage = start + limit < listing.length ? String(start + limit) : null;
      return send(200, { entries, nextPage, hasMore: nextPage !== null, total: listing.length });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
    return this;
  }

  #workbooks() {
    return this.workbooks.map(({ id, ...rest }) => ({
      workbookId: id,
      workbookUrlId: id.slice(0, 6),
      ...rest,
    }));
  }

  #datasets() {
    return this.datasets.map(({ id, ...rest }) => ({ datasetId: id, ...rest }));
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }
}
