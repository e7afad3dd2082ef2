import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** A deployed stack's outputs, through `pulumi stack output --json --show-secrets`. */
export async function readStackOutputs(stack: string, cwd?: string): Promise<Record<string, unknown>> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets", "--stack", stack],
      {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new Error("the pulumi CLI is not on PATH; install it from https://www.pulumi.com/docs/install/", {
        cause: error,
      });
    }
    const reason = e.stderr?.trim().split("\n").pop() ?? e.message;
    throw new Error(`pulumi stack output --stack ${stack} failed: ${reason}`, { cause: error });
  }
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (error) {
    throw new Error("pulumi stack output did not print JSON", { cause: error });
  }
}

/** One string output, or an error saying the stack is not deployed yet. */
export function requireOutput(outputs: Record<string, unknown>, name: string, stack: string): string {
  const value = outputs[name];
  if (typeof value !== "string") {
    throw new Error(`stack "${stack}" has no ${name} output; run \`pulumi up --stack ${stack}\` first`);
  }
  return value;
}

/**
 * The environment for AWS calls against a deployed stack: the stack's own region (its `region` output), not
 * whatever region the shell has, so `--stack prod` reaches prod's functions and bucket from any shell.
 */
export function stackAwsEnv(
  outputs: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return typeof outputs.region === "string" ? { ...env, AWS_REGION: outputs.region } : env;
}
