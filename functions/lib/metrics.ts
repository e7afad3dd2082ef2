import { Metrics } from "@aws-lambda-powertools/metrics";
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
