import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexFolder } from "../../cli/index-folder.js";
import { noProgress } from "../../cli/progress.js";
import { freePort } from "../../cli/dev.js";
import { startDevServer, type DevServer } from "../../cli/dev-server.js";
import {
  INSPECTOR_CLIENT_ID,
  INSPECTOR_REDIRECTS,
  startLocalIssuer,
  type LocalIssuer,
} from "../../cli/local-issuer.js";
import { openMcpApp } from "../../functions/mcp-server/app.js";
import { createHandler } from "../../functions/mcp-server/handler.js";
import { startThothDev } from "../../scripts/thoth-dev.js";
import { parseRuntimeEnv } from "../../shared/config.js";
import { SAMPLE_HANDBOOK, folderWith, tempDir } from "../helpers/folders.js";
import { signInWithBrowser } from "../helpers/oauth-browser.js";
import { useEverything } from "../helpers/use-everything.js";

/** An MCP client's OAuth state, as a desktop client keeps it: registration, PKCE verifier, tokens. */
class TestOAuthProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  #client?: OAuthClientInformationMixed;
  #tokens?: OAuthTokens;
  #verifier?: string;
  constructor(
    readonly redirectUrl: string,
    preRegistered?: OAuthClientInformationMixed,
  ) {
    this.#client = preRegistered;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "thoth-e2e",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation = () => this.#client;
  saveClientInformation = (info: OAuthClientInformationMixed) => void (this.#client = info);
  tokens = () => this.#tokens;
  saveTokens = (tokens: OAuthTokens) => void (this.#tokens = tokens);
  redirectToAuthorization = (url: URL) => void (this.authorizationUrl = url);
  saveCodeVerifier = (verifier: string) => void (this.#verifier = verifier);
  codeVerifier = () => this.#verifier!;
}

/**
 * Signs `login` in at `url` with `provider`, as a client does after its first 401, and returns a connected
 * client. Every URL the client fetched (paths on `url`'s origin, full URLs elsewhere) is added to `seen`.
 */
async function signInAt(
  url: URL,
  login: string,
  provider: TestOAuthProvider,
  seen: string[],
): Promise<Client> {
  const recordingFetch: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : input);
    seen.push(target.origin === url.origin ? target.pathname : target.href);
    return fetch(input, init);
  };
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recordingFetch });
  await expect(new Client({ name: "e2e", version: "1" }).connect(first)).rejects.toThrow(UnauthorizedError);
  expect(provider.authorizationUrl).toBeDefined();
  const callback = await signInWithBrowser(
    provider.authorizationUrl!,
    { login, password: `${login}-password` },
    provider.redirectUrl,
  );
  const code = callback.searchParams.get("code");
  expect(code, callback.href).toBeTruthy();
  await first.finishAuth(code!);
  const client = new Client({ name: "e2e", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: recordingFetch }),
  );
  return client;
}

/**
 * The whole sign-in against `thoth dev --oauth` on real ports: the MCP SDK client gets a 401, discovers the
 * protected resource metadata and the local OpenID provider from it, registers (or uses the pre-registered
 * Inspector client), sends the person through the provider's sign-in page, exchanges the code with PKCE, and
 * then uses every tool, resource, prompt and completion, seeing only what the person's groups grant. Every
 * request reaches the Lambda handler as an API Gateway event (the dev server's front).
 */
describe("OAuth sign-in end to end (thoth dev --oauth, local OpenID provider)", () => {
  let server: Awaited<ReturnType<typeof startThothDev>>;
  let oauthUrl: URL;
  const seen: string[] = [];

  beforeAll(async () => {
    const dataDir = await tempDir("thoth-oauth-e2e-");
    const env = parseRuntimeEnv({ THOTH_DATA_DIR: dataDir });
    await indexFolder({ folder: SAMPLE_HANDBOOK, collection: "handbook", env, progress: noProgress });
    const notes = await folderWith({ "board/minutes.md": "# Board minutes\n\nThe board met in March." });
    await indexFolder({ folder: notes, collection: "notes", env, progress: noProgress });
    server = await startThothDev({ THOTH_DATA_DIR: dataDir }, 0, ["--oauth", "--oauth-port", "0"]);
    // Printed just after the "listening" line startThothDev waits for.
    for (let i = 0; i < 100 && !/OAuth endpoint: \S+/.test(server.output()); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    oauthUrl = new URL(/OAuth endpoint: (\S+)/.exec(server.output())![1]!);
  });
  afterAll(() => {
    server?.child.kill("SIGTERM");
  });

  const signIn = (login: string, provider: TestOAuthProvider) => signInAt(oauthUrl, login, provider, seen);

  it("signs a reader in (discovery, dynamic registration, PKCE) and serves every tool, resource, prompt and completion", async () => {
    const provider = new TestOAuthProvider("http://127.0.0.1:53682/callback");
    const client = await signIn("alice", provider);
    try {
      await useEverything(client);
      const { structuredContent } = await client.callTool({ name: "list_collections", arguments: {} });
      const names = (structuredContent as { collections: { name: string }[] }).collections.map((c) => c.name);
      expect(names.sort()).toEqual(["handbook", "notes"]);
    } finally {
      await client.close();
    }
    // Discovered from the 401: the path-suffixed metadata, then the provider's own metadata; then registered.
    expect(seen).toContain("/.well-known/oauth-protected-resource/mcp/oauth");
    expect(seen.some((url) => url.endsWith("/reg"))).toBe(true);
    expect(provider.tokens()?.access_token.split(".")).toHaveLength(3);
  });

  it("limits a person to their groups' collections (pre-registered Inspector client)", async () => {
    const provider = new TestOAuthProvider(INSPECTOR_REDIRECTS[0]!, { client_id: INSPECTOR_CLIENT_ID });
    const client = await signIn("carol", provider);
    try {
      const { structuredContent } = await client.callTool({ name: "list_collections", arguments: {} });
      const names = (structuredContent as { collections: { name: string }[] }).collections.map((c) => c.name);
      expect(names).toEqual(["handbook"]);
      const search = await client.callTool({
        name: "search_documents",
        arguments: { query: "board met in March", collection: "notes" },
      });
      expect(search.isError).toBe(true);
      await expect(client.readResource({ uri: "thoth://notes/board/minutes.md" })).rejects.toThrow();
    } finally {
      await client.close();
    }
  });

  it("tells a person whose groups grant nothing that they see nothing", async () => {
    const provider = new TestOAuthProvider("http://127.0.0.1:53683/callback");
    await expect(signIn("bob", provider)).rejects.toThrow(/see nothing on this server/);
  });

  it("refuses a wrong password at the provider: no code, no token", async () => {
    const provider = new TestOAuthProvider("http://127.0.0.1:53684/callback");
    const transport = new StreamableHTTPClientTransport(oauthUrl, { authProvider: provider });
    await expect(new Client({ name: "e2e", version: "1" }).connect(transport)).rejects.toThrow(
      UnauthorizedError,
    );
    await expect(
      signInWithBrowser(
        provider.authorizationUrl!,
        { login: "alice", password: "wrong" },
        provider.redirectUrl,
      ),
    ).rejects.toThrow(/401/);
    expect(provider.tokens()).toBeUndefined();
  });

  it("keeps the API-key endpoint as it was: no discovery, the key still works", async () => {
    const keyUrl = new URL("/mcp", oauthUrl);
    const refused = await fetch(keyUrl, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="thoth"');
    expect((await fetch(new URL("/.well-known/oauth-protected-resource/mcp", oauthUrl))).status).toBe(404);
  });
});

/**
 * The Cognito shape, with the same real provider: an issuer whose own metadata MCP clients would refuse, so
 * Thoth's protected resource metadata names Thoth itself and Thoth serves RFC 8414 metadata (the façade) that
 * points at the issuer's endpoints with PKCE declared; no registration endpoint, so the client is
 * pre-registered (as a claude.ai or ChatGPT connector is, with the client id from `thoth client-config`).
 */
describe("OAuth sign-in through the metadata façade (the Cognito shape)", () => {
  let issuer: LocalIssuer;
  let server: DevServer;
  let oauthUrl: URL;
  const seen: string[] = [];

  beforeAll(async () => {
    const dataDir = await tempDir("thoth-facade-e2e-");
    await indexFolder({
      folder: SAMPLE_HANDBOOK,
      collection: "handbook",
      env: parseRuntimeEnv({ THOTH_DATA_DIR: dataDir }),
      progress: noProgress,
    });
    const port = await freePort("127.0.0.1");
    oauthUrl = new URL(`http://127.0.0.1:${port}/mcp/oauth`);
    issuer = await startLocalIssuer({ port: 0, resources: [oauthUrl.href] });
    const settings = {
      ...issuer.settings,
      facade: { authorizationEndpoint: `${issuer.issuer}/auth`, tokenEndpoint: `${issuer.issuer}/token` },
    };
    const app = await openMcpApp({
      THOTH_DATA_DIR: dataDir,
      THOTH_API_KEY: "facade-test-key",
      THOTH_OAUTH: JSON.stringify(settings),
    });
    server = await startDevServer({ handler: createHandler(async () => app), port });
  });
  afterAll(async () => {
    await server?.close();
    await issuer?.close();
  });

  it("discovers the façade from Thoth, signs in with a pre-registered client, and serves everything", async () => {
    const provider = new TestOAuthProvider(INSPECTOR_REDIRECTS[0]!, { client_id: INSPECTOR_CLIENT_ID });
    const client = await signInAt(oauthUrl, "alice", provider, seen);
    // The authorization request went to the issuer's own endpoint, named by Thoth's façade.
    expect(provider.authorizationUrl!.href.startsWith(`${issuer.issuer}/auth?`)).toBe(true);
    try {
      await useEverything(client);
    } finally {
      await client.close();
    }
    expect(seen).toContain("/.well-known/oauth-authorization-server/mcp/oauth");
    expect(seen.some((url) => url.startsWith(`${issuer.issuer}/.well-known/`))).toBe(false);
    expect(seen).toContain(`${issuer.issuer}/token`);
  });
});
