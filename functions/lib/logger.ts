import type { LogItem } from "@aws-lambda-powertools/logger";
import { Logger } from "@aws-lambda-powertools/logger";
import { PROJECT } from "../../shared/names.js";
import { ENV } from "../../shared/config.js";

type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT" | "CRITICAL";

/** JSON lines (Lambda, CloudWatch, or whoever asks) or one readable line per entry (a person at a terminal). */
export type LogFormat = "json" | "text";

/**
 * JSON on Lambda or when THOTH_LOG_FORMAT=json asks for it; otherwise (the CLI, `thoth dev`) readable lines.
 * An unknown value keeps that default and says so (`invalid`), rather than stopping a server over its logs.
 */
export function logFormatFor(env: NodeJS.ProcessEnv): { format: LogFormat; invalid?: string } {
  const fallback: LogFormat = env.AWS_LAMBDA_FUNCTION_NAME ? "json" : "text";
  const asked = env[ENV.THOTH_LOG_FORMAT]?.trim().toLowerCase();
  if (!asked) return { format: fallback };
  if (asked === "json" || asked === "text") return { format: asked };
  return {
    format: fallback,
    invalid: `${ENV.THOTH_LOG_FORMAT} must be "json" or "text" (was "${asked}"); using ${fallback}`,
  };
}

/** Keys every entry carries that a person reading one line does not need. */
const MACHINE_KEYS = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "sampling_rate",
  "cold_start",
  "function_arn",
  "function_memory_size",
  "function_name",
  "function_request_id",
  "xray_trace_id",
]);

/** `warn: embedding model unavailable; keyword search only (modelId=…, reason=…)`: one line, no stack. */
export function textLine(attributes: Record<string, unknown>): string {
  const extras = Object.entries(attributes)
    .filter(([key, value]) => !MACHINE_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${describe(value)}`);
  const level = String(attributes.level ?? "info").toLowerCase();
  return `${level}: ${String(attributes.message ?? "")}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  // Powertools has turned errors into { name, message, stack, … } by now: the message is what a person needs.
  if (value && typeof value === "object" && "message" in value && "name" in value) {
    return String((value as { message: unknown }).message);
  }
  return JSON.stringify(value);
}

class ThothLogger extends Logger {
  #format: LogFormat;

  constructor(format: LogFormat, level: LogLevel) {
    super({ serviceName: PROJECT, logLevel: level });
    this.#format = format;
  }

  get format(): LogFormat {
    return this.#format;
  }

  setLogFormat(format: LogFormat): void {
    this.#format = format;
  }

  /** Text entries go to stderr whatever their level: a command's stdout is its own output. */
  protected override printLog(logLevel: number, log: LogItem): void {
    if (this.#format === "json") return super.printLog(logLevel, log);
    log.prepareForPrint();
    process.stderr.write(`${textLine(log.getAttributes())}\n`);
  }
}

/**
 * The one logger of the functions and the CLI. Log keys, not sentences:
 * `logger.info("search", { tool, collection, durationMs })`. One level setting: THOTH_LOG_LEVEL (default INFO);
 * Powertools' own POWERTOOLS_LOG_LEVEL is not read, since the level is always given here. Handlers add the
 * Lambda context (`logger.addContext`), so each JSON line carries the request id and the cold-start flag.
 * The format: `logFormatFor` (JSON on Lambda, readable lines elsewhere, THOTH_LOG_FORMAT to choose).
 */
const chosen = logFormatFor(process.env);
export const logger = new ThothLogger(
  chosen.format,
  ((process.env[ENV.THOTH_LOG_LEVEL] ?? "INFO").toUpperCase() as LogLevel) || "INFO",
);
if (chosen.invalid) logger.warn(chosen.invalid);
