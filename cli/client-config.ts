import { chmod, readFile, writeFile } from "node:fs/promises";
import { applyEdits, modify, parse, type ParseError } from "jsonc-parser";
import {
  CLIENT_KINDS,
  connectorSteps,
  type ClientKind,
  type ConnectorKind,
  type OAuthClientSetup,
} from "../shared/client-config.js";
import { readStackOutputs, requireOutput } from "./stack-outputs.js";

/** Reads a deployed stack's outputs through the Pulumi CLI and returns one client's configuration. */
export async function stackClientConfig(options: {
  stack: string;
  client: ClientKind;
  cwd?: string;
}): Promise<string> {
  const outputs = await readStackOutputs(options.stack, options.cwd);
  const configs = JSON.parse(requireOutput(outputs, "mcpClientConfig", options.stack)) as Partial<
    Record<ClientKind, string>
  >;
  const config = configs[options.client];
  if (!config)
    throw new Error(
      `mcpClientConfig has no "${options.client}" entry; known clients: ${CLIENT_KINDS.join(", ")}`,
    );
  return config;
}

/** The steps for an OAuth-only client (claude.ai, ChatGPT), from a deployed stack's `mcpOAuthConfig` output. */
export async function stackConnectorSteps(options: {
  stack: string;
  client: ConnectorKind;
  cwd?: string;
}): Promise<string> {
  const outputs = await readStackOutputs(options.stack, options.cwd);
  if (typeof outputs.mcpOAuthConfig !== "string")
    throw new Error(
      `stack "${options.stack}" has no OAuth endpoint: set thoth:oauth (README "Sign-in with OAuth", docs/oauth.md) and run \`pulumi up --stack ${options.stack}\``,
    );
  const setup = JSON.parse(outputs.mcpOAuthConfig) as OAuthClientSetup;
  return connectorSteps(options.client, setup, options.stack);
}

/**
 * Writes a client configuration to `file`, readable by its owner only (it holds an API key), whatever mode an
 * existing file had. A JSON configuration is merged into an existing client file: its other servers and
 * settings (and comments) are kept, and only the servers that `config` names are replaced. A file that is not
 * such JSON, or a command-line snippet, is never overwritten without `force`. Returns what was done.
 */
export async function writeClientConfig(
  file: string,
  config: string,
  force = false,
): Promise<"created" | "merged" | "replaced"> {
  let existing: string | undefined;
  try {
    existing = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  let text = `${config}\n`;
  let outcome: "created" | "merged" | "replaced" = existing === undefined ? "created" : "replaced";
  if (existing !== undefined && existing.trim() && !force) {
    const merged = mergeServers(existing, config);
    if (merged === undefined)
      throw new Error(
        `${file} exists and is not a JSON client configuration this one can be merged into; pass --force to replace it, or choose another --out`,
      );
    text = merged;
    outcome = "merged";
  }
  await writeFile(file, text, { mode: 0o600 });
  // writeFile's mode applies only when it creates the file: an existing one keeps its own until this.
  await chmod(file, 0o600);
  return outcome;
}

/** `config`'s server entries set into the JSON (with comments) of `existing`, or undefined when it cannot be. */
function mergeServers(existing: string, config: string): string | undefined {
  let incoming: Record<string, Record<string, unknown>>;
  try {
    incoming = JSON.parse(config) as Record<string, Record<string, unknown>>;
  } catch {
    return undefined; // a command line (claude-code, inspector): nothing to merge into
  }
  const errors: ParseError[] = [];
  const current = parse(existing, errors, { allowTrailingComma: true }) as unknown;
  if (errors.length || !current || typeof current !== "object" || Array.isArray(current)) return undefined;
  let text = existing;
  for (const [section, servers] of Object.entries(incoming)) {
    const have = (current as Record<string, unknown>)[section];
    if (have !== undefined && (!have || typeof have !== "object" || Array.isArray(have))) return undefined;
    for (const [name, entry] of Object.entries(servers)) {
      const edits = modify(text, [section, name], entry, {
        formattingOptions: { insertSpaces: true, tabSize: 2 },
      });
      text = applyEdits(text, edits);
    }
  }
  return text.endsWith("\n") ? text : `${text}\n`;
}
