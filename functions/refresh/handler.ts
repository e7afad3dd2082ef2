import type { Context } from "aws-lambda";
import { parseRuntimeEnv, stackOf, type RuntimeEnv } from "../../shared/config.js";
import { MetricUnit, type Metrics } from "@aws-lambda-powertools/metrics";
import { ModelUnavailableError } from "../core/errors.js";
import { logger } from "../lib/logger.js";
import { createMetrics, metricsEnabled } from "../lib/metrics.js";
import { createModelRuntime } from "../composition.js";
import { parseCollections, refreshCollections, type CollectionOutcome } from "./run.js";

/** The scheduled event's input, or a manual invoke naming collections: `{"collections": ["handbook"]}`. */
export interface RefreshEvent {
  collections?: string[];
}

export interface RefreshResult {
  ok: boolean;
  outcomes: CollectionOutcome[];
}

/** The refresh Lambda: index every configured collection (or the named ones) and publish new versions. */
export async function handler(event: RefreshEvent = {}, context?: Context): Promise<RefreshResult> {
  if (context) logger.addContext(context);
  // Like the MCP handler: EMF lines in Lambda (or when asked for), not on a laptop's console.
  const metrics = metricsEnabled() ? createMetrics(stackOf(process.env)) : undefined;
  if (coldStart) {
    coldStart = false;
    metrics?.captureColdStartMetric();
  }
  let outcomes: CollectionOutcome[] | undefined;
  try {
    outcomes = await run(event, parseRuntimeEnv(process.env));
    return { ok: outcomes.every((o) => o.ok), outcomes };
  } finally {
    if (metrics) flushRunMetrics(metrics, outcomes);
  }
}

/** Called also when the run throws (no model, bad configuration): the failed-refresh alarm must see it. */
function flushRunMetrics(metrics: Metrics, outcomes: CollectionOutcome[] | undefined): void {
  const published = (outcomes ?? []).flatMap((o) => (o.ok ? [o.summary] : []));
  metrics.addMetric("RefreshFailed", MetricUnit.Count, outcomes ? outcomes.length - published.length : 1);
  metrics.addMetric(
    "ChunksEmbedded",
    MetricUnit.Count,
    published.reduce((n, s) => n + s.chunksEmbedded, 0),
  );
  metrics.addMetric(
    "DocumentsSkipped",
    MetricUnit.Count,
    published.reduce((n, s) => n + s.documentsSkipped, 0),
  );
  metrics.publishStoredMetrics();
}

let coldStart = true;

async function run(event: RefreshEvent, env: RuntimeEnv): Promise<CollectionOutcome[]> {
  const collections = parseCollections(env.THOTH_COLLECTIONS);
  const runtime = await createModelRuntime(env);
  const { embedder, embedderUnavailableReason: reason } = runtime;
  // The image bakes the model in and the stack sets THOTH_MODEL_DIR: a model that cannot load here is a broken
  // deploy, and publishing keyword-only bundles over hybrid ones would hide it. Fail the run instead.
  if (!embedder && env.THOTH_MODEL_DIR) {
    throw new ModelUnavailableError(
      `the refresh cannot load its embedding model ${env.THOTH_EMBEDDING_MODEL} from ${env.THOTH_MODEL_DIR}: ${reason}. ` +
        "Run `npm run model:fetch` before `npm run package`, then `pulumi up`",
    );
  }
  const outcomes = await refreshCollections({
    kit: runtime,
    sources: runtime,
    collections,
    ...(Array.isArray(event.collections) ? { only: event.collections } : {}),
    keepVersions: env.THOTH_KEEP_VERSIONS,
  });
  for (const outcome of outcomes) {
    if (outcome.ok) {
      const { skipped: _skipped, ...summary } = outcome.summary;
      logger.info("refresh published", { ...summary });
    } else {
      logger.error("refresh failed; the previous version keeps serving", {
        collection: outcome.collection,
        reason: outcome.error,
      });
    }
  }
  return outcomes;
}
