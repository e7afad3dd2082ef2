import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLIENT_KINDS, type ClientKind } from "../shared/client-config.js";

/** Reads a deployed stack's outputs through the Pulumi CLI and returns one client's configuration. */
export async function stackClientConfig(options: {
  stack: string;
  client: ClientKind;
  cwd?: string;
}): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets", "--stack", options.stack],
      {
        cwd: options.cwd,
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT")
      throw new Error("the pulumi CLI is not on PATH; install it from https://www.pulumi.com/docs/install/", {
        cause: error,
      });
    const reason = e.stderr?.trim().split("\n").pop() ?? e.message;
    throw new Error(`pulumi stack output --stack ${options.stack} failed: ${reason}`, { cause: error });
  }
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(stdout) as Record<string, unknown>;
  } catch (error) {
    throw new Error("pulumi stack output did not print JSON", { cause: error });
  }
  const raw = outputs.mcpClientConfig;
  if (typeof raw !== "string") {
    throw new Error(
      `stack "${options.stack}" has no mcpClientConfig output; run \`pulumi up --stack ${options.stack}\` first`,
    );
  }
  const configs = JSON.parse(raw) as Partial<Record<ClientKind, string>>;
  const config = configs[options.client];
  if (!config)
    throw new Error(
      `mcpClientConfig has no "${options.client}" entry; known clients: ${CLIENT_KINDS.join(", ")}`,
    );
  return config;
}
