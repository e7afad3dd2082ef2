import { Logger } from "@aws-lambda-powertools/logger";
import { ENV, PROJECT } from "../../shared/names.js";

type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT" | "CRITICAL";

/**
 * The one structured logger of the functions (JSON lines; CloudWatch-friendly). Log keys, not sentences:
 * `logger.info("search", { tool, collection, durationMs })`. Level from THOTH_LOG_LEVEL (default INFO).
 */
export const logger = new Logger({
  serviceName: PROJECT,
  logLevel: ((process.env[ENV.logLevel] ?? "INFO").toUpperCase() as LogLevel) || "INFO",
});
