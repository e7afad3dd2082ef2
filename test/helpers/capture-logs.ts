/** What the process writes (the logger's lines included) while a test runs, at a chosen log level. */
import { logger } from "../../functions/lib/logger.js";

export function captureLogs(level: Parameters<typeof logger.setLogLevel>[0]): {
  lines: string[];
  stop(): void;
} {
  const lines: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  logger.setLogLevel(level);
  process.stdout.write = capture;
  process.stderr.write = capture;
  return {
    lines,
    stop() {
      process.stdout.write = out;
      process.stderr.write = err;
      logger.setLogLevel("SILENT");
    },
  };
}
