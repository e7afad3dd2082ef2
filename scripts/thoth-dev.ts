import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Starts `thoth dev` (what `npm start` runs) as a child process on a free port, with any further `args`
 * (`--oauth`); resolves with its MCP URL.
 */
export async function startThothDev(
  env: Record<string, string>,
  port = 0,
  args: string[] = [],
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, "bin/thoth.js"), "dev", "--port", String(port), ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, THOTH_LOG_LEVEL: "WARN", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`thoth dev did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+\/mcp)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr!.on("data", check);
    child.stdout!.on("data", check);
    child.once("exit", (code) => reject(new Error(`thoth dev exited with ${code}:\n${output}`)));
  });
  return { url, child, output: () => output };
}
