import { CLIENT_KINDS, type ClientKind } from "../shared/client-config.js";
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
