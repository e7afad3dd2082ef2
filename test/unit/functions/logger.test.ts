import { describe, expect, it } from "vitest";
import { logFormatFor, textLine } from "../../../functions/lib/logger.js";

describe("log format", () => {
  it("is JSON on Lambda or when asked, readable lines otherwise, and says so when the setting is wrong", () => {
    expect(logFormatFor({})).toEqual({ format: "text" });
    expect(logFormatFor({ AWS_LAMBDA_FUNCTION_NAME: "thoth-dev-mcp" })).toEqual({ format: "json" });
    expect(logFormatFor({ THOTH_LOG_FORMAT: "JSON" })).toEqual({ format: "json" });
    expect(logFormatFor({ AWS_LAMBDA_FUNCTION_NAME: "f", THOTH_LOG_FORMAT: "text" })).toEqual({
      format: "text",
    });
    expect(logFormatFor({ AWS_LAMBDA_FUNCTION_NAME: "f", THOTH_LOG_FORMAT: "xml" })).toEqual({
      format: "json",
      invalid: 'THOTH_LOG_FORMAT must be "json" or "text" (was "xml"); using json',
    });
  });

  it("writes one line: level, message, then the entry's own keys (an error by its message, no stack)", () => {
    const line = textLine({
      level: "WARN",
      message: "pointer check failed",
      timestamp: "2026-11-22T06:00:00.000Z",
      service: "thoth",
      sampling_rate: 0,
      cold_start: true,
      collection: "handbook",
      attempts: 3,
      versions: ["a", "b"],
      error: {
        name: "Error",
        message: "socket hang up",
        stack: "Error: socket hang up\n    at x (y.ts:1:1)",
      },
    });
    expect(line).toBe(
      'warn: pointer check failed (collection=handbook, attempts=3, versions=["a","b"], error=socket hang up)',
    );
    expect(line).not.toContain("\n");
    expect(textLine({ level: "INFO", message: "knowledge base loaded" })).toBe("info: knowledge base loaded");
  });
});
