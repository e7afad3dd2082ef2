import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { stackOf } from "../../shared/config.js";
import { METRICS_NAMESPACE, PROJECT } from "../../shared/names.js";

/**
 * CloudWatch metrics in Embedded Metric Format: written to the log stream, extracted by CloudWatch, so no
 * PutMetricData permission or call is needed. Dimensions: `service` (added by Powertools) and `Stack`.
 * Off with POWERTOOLS_METRICS_DISABLED=true.
 */
export function createMetrics(stack: string): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: PROJECT,
    defaultDimensions: { Stack: stack },
  });
}

/**
 * Whether metrics are written: in Lambda unless POWERTOOLS_METRICS_DISABLED=true; elsewhere only when
 * POWERTOOLS_METRICS_DISABLED=false asks for them (local runs would otherwise print EMF lines to the console).
 */
export function metricsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.POWERTOOLS_METRICS_DISABLED === "false") return true;
  return !!env.AWS_LAMBDA_FUNCTION_NAME && env.POWERTOOLS_METRICS_DISABLED !== "true";
}

/** One EMF record per tool call: `ToolCalls`, `ToolLatency` and `ToolErrors`, by `tool`. */
let toolMetrics: Metrics | undefined;

export function recordToolCall(tool: string, durationMs: number, failed: boolean): void {
  if (!metricsEnabled()) return;
  // One instance per process, not per call: publishing clears the metrics and the per-call `tool` dimension.
  const metrics = (toolMetrics ??= createMetrics(stackOf(process.env)));
  metrics.addDimension("tool", tool);
  metrics.addMetric("ToolCalls", MetricUnit.Count, 1);
  metrics.addMetric("ToolLatency", MetricUnit.Milliseconds, durationMs);
  metrics.addMetric("ToolErrors", MetricUnit.Count, failed ? 1 : 0);
  metrics.publishStoredMetrics();
}
