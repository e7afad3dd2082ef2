/** Ready-to-paste MCP client configurations for a Thoth endpoint (local or a deployed stack). */

export type ClientKind = "claude" | "vscode" | "cursor" | "claude-code" | "inspector";

export interface ClientConfigInput {
  /** The MCP endpoint, e.g. http://127.0.0.1:8787/mcp */
  url: string;
  apiKey: string;
  /** Server name in the client, default `thoth`. */
  name?: string;
}

/**
 * Claude Desktop speaks stdio, so it reaches the HTTP endpoint through `mcp-remote`; VS Code and Cursor speak
 * Streamable HTTP natively; Claude Code takes a command line.
 */
export function clientConfig(kind: ClientKind, input: ClientConfigInput): string {
  const name = input.name ?? "thoth";
  const auth = `Bearer ${input.apiKey}`;
  switch (kind) {
    case "claude":
      return JSON.stringify(
        {
          mcpServers: {
            [name]: {
              command: "npx",
              args: ["-y", "mcp-remote", input.url, "--header", `Authorization: ${auth}`],
            },
          },
        },
        null,
        2,
      );
    case "vscode":
      return JSON.stringify(
        { servers: { [name]: { type: "http", url: input.url, headers: { Authorization: auth } } } },
        null,
        2,
      );
    case "cursor":
      return JSON.stringify(
        { mcpServers: { [name]: { url: input.url, headers: { Authorization: auth } } } },
        null,
        2,
      );
    case "claude-code":
      return `claude mcp add --transport http ${name} ${input.url} --header "Authorization: ${auth}"`;
    case "inspector":
      return `npx -y @modelcontextprotocol/inspector@2 --cli ${input.url} --transport http --header "Authorization: ${auth}" --method tools/list`;
  }
}

export const CLIENT_KINDS: ClientKind[] = ["claude", "vscode", "cursor", "claude-code", "inspector"];

/** Every client's configuration for one endpoint; the `mcpClientConfig` stack output. */
export function clientConfigs(input: ClientConfigInput): { url: string } & Record<ClientKind, string> {
  return {
    url: input.url,
    ...(Object.fromEntries(CLIENT_KINDS.map((kind) => [kind, clientConfig(kind, input)])) as Record<
      ClientKind,
      string
    >),
  };
}

/** Clients that connect only with OAuth: the steps printed are what a person enters in the client's settings. */
export type ConnectorKind = "claude-ai" | "chatgpt";
export const CONNECTOR_KINDS: ConnectorKind[] = ["claude-ai", "chatgpt"];

/** The `mcpOAuthConfig` stack output: the OAuth endpoint, its issuer, and the stack's own client ids. */
export interface OAuthClientSetup {
  url: string;
  issuer: string;
  /** The Cognito managed login pages; empty with an external issuer. */
  loginUrl: string;
  userPoolId: string;
  /** Per client family (`claude`, `chatgpt`, `inspector`); empty with an external issuer. */
  clientIds: Partial<Record<string, string>>;
}

/** What to enter in claude.ai or ChatGPT to connect to a stack's OAuth endpoint, step by step. */
export function connectorSteps(kind: ConnectorKind, setup: OAuthClientSetup, stack: string): string {
  const family = kind === "claude-ai" ? "claude" : "chatgpt";
  const clientId = setup.clientIds[family];
  const callback =
    kind === "claude-ai"
      ? "https://claude.ai/api/mcp/auth_callback"
      : "https://chatgpt.com/connector_platform_oauth_redirect";
  const client = clientId
    ? `OAuth Client ID: ${clientId}   (no client secret: leave that field empty)`
    : `OAuth Client ID (and secret, if it has one): the app registered at ${setup.issuer} for ${kind}, with the redirect URI ${callback}`;
  const signIn = setup.loginUrl
    ? `sign in at ${setup.loginUrl} with the email and password your administrator created (docs/oauth.md: "People and groups").`
    : `sign in at your company's identity provider.`;
  if (kind === "claude-ai")
    return [
      `claude.ai, Claude Desktop and mobile (custom connector; on Team and Enterprise plans an Owner adds it once):`,
      `  1. Settings → Connectors → Add custom connector.`,
      `  2. Name: Thoth (${stack})`,
      `     Remote MCP server URL: ${setup.url}`,
      `  3. Advanced settings → ${client}`,
      `  4. Add, then Connect, and ${signIn}`,
      `You then see the collections your groups grant; a person in no granted group is told so.`,
    ].join("\n");
  return [
    `ChatGPT (apps and connectors in developer mode; labels vary by plan and release):`,
    `  1. Settings → Apps & Connectors → Advanced settings: turn on Developer mode (on Business and Enterprise`,
    `     plans an admin allows it first), then Create.`,
    `  2. Name: Thoth (${stack})`,
    `     MCP server URL: ${setup.url}`,
    `     Authentication: OAuth`,
    `  3. Advanced OAuth settings → ${client}`,
    `  4. Create, then ${signIn}`,
    `ChatGPT's deep research and company knowledge use the search and fetch tools.`,
  ].join("\n");
}
