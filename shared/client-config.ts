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
