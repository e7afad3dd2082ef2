import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/folders.js";
import { useEverything, type AnyClient } from "../helpers/use-everything.js";
import { startThothDev } from "../../scripts/thoth-dev.js";

const API_KEY = "protocol-eras-key-789";
const headers = { authorization: `Bearer ${API_KEY}` };

/**
 * Both protocol eras against `thoth dev` on a real port, whose requests go through the Lambda handler's event
 * path (the dev server turns each into an API Gateway v2 event): the SDK's v2 client pinned to 2026-07-28 and in
 * auto mode, and the v1 client (2025-11-25).
 */
describe("protocol eras on one endpoint", () => {
  let server: Awaited<ReturnType<typeof startThothDev>>;

  beforeAll(async () => {
    server = await startThothDev({ THOTH_DATA_DIR: await tempDir("thoth-eras-"), THOTH_API_KEY: API_KEY });
  });
  afterAll(() => {
    server?.child.kill("SIGTERM");
  });

  it("a 2026-07-28 client (v2 SDK, pinned) uses every tool, prompt, resource and completion", async () => {
    const client = new ModernClient(
      { name: "modern-pinned", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(new ModernTransport(new URL(server.url), { requestInit: { headers } }));
    try {
      expect(client.getProtocolEra()).toBe("modern");
      await useEverything(client as unknown as AnyClient);
    } finally {
      await client.close();
    }
  });

  it("a v2 client in auto mode finds the 2026-07-28 era and sees the server's identity", async () => {
    const client = new ModernClient(
      { name: "modern-auto", version: "1.0.0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(new ModernTransport(new URL(server.url), { requestInit: { headers } }));
    try {
      expect(client.getProtocolEra()).toBe("modern");
      const info = client.getServerVersion();
      expect(info).toMatchObject({ name: "thoth", title: expect.stringContaining("Thoth") });
      expect(info?.icons?.[0]?.src).toMatch(/^data:image\/svg\+xml;base64,/);
      await useEverything(client as unknown as AnyClient);
    } finally {
      await client.close();
    }
  });

  it.each(["2025-11-25", "2025-06-18"])(
    "a 2025-era client (v1 SDK) at %s uses every tool, prompt, resource and completion",
    async (version) => {
      // The v1 client offers its newest revision; asking for an older one is a rewrite of initialize's offer.
      const versions = new Set<string | null>();
      const fetchAt: typeof fetch = async (url, init) => {
        const body =
          typeof init?.body === "string"
            ? (JSON.parse(init.body) as { method?: string; params?: object })
            : undefined;
        if (body?.method === "initialize") {
          init = {
            ...init,
            body: JSON.stringify({ ...body, params: { ...body.params, protocolVersion: version } }),
          };
        } else if (body?.method) {
          versions.add(new Headers(init?.headers).get("mcp-protocol-version"));
        }
        return fetch(url, init);
      };
      const client = new Client({ name: "legacy", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers }, fetch: fetchAt }),
      );
      try {
        expect(client.getServerVersion()).toMatchObject({
          name: "thoth",
          title: expect.stringContaining("Thoth"),
        });
        await useEverything(client as unknown as AnyClient);
        expect([...versions]).toEqual([version]);
      } finally {
        await client.close();
      }
    },
  );
});
