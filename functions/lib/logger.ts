import { Logger } from "@aws-lambda-powertools/logger";
import { ENV, PROJECT } from "../../shared/names.js";

type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT" | "CRITICAL";

/**
 * The one structured logger of the functions (JSON lines; CloudWatch-friendly). Log keys, not sentences:
 * `logger.info("search", { tool, collection, durationMs })`. One level setting: THOTH_LOG_LEVEL (default INFO);
 * Powertools' own POWERTOOLS_LOG_LEVEL is not read, since the level is always given here. Handlers add the
 * Lambda context (`logger.addContext`), so each line carries the request id and the cold-start flag.
 */
export const logger = new Logger({
  serviceName: PROJECT,
  logLevel: ((process.env[ENV.logLevel] ?? "INFO").toUpperCase() as LogLevel) || "INFO",
});
