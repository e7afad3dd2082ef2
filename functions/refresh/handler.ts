import { parseRuntimeEnv } from "../../shared/config.js";
import { ENV } from "../../shared/names.js";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ModelUnavailableError } from "../core/errors.js";
import { logger } from "../lib/logger.js";
import { createMetrics } from "../lib/metrics.js";
import { createRuntime, loadEmbedder } from "../composition.js";
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
export async function handler(event: RefreshEvent = {}): Promise<RefreshResult> {
  const env = parseRuntimeEnv(process.env);
  const collections = parseCollections(process.env[ENV.collections]);
  const runtime = createRuntime(env);
  const { embedder, reason } = await loadEmbedder(env);
  // The image bakes the model in and the stack sets THOTH_MODEL_DIR: a model that cannot load here is a broken
  // deploy, and publishing keyword-only bundles over hybrid ones would hide it. Fail the run instead.
  if (!embedder && env.THOTH_MODEL_DIR) {
    throw new ModelUnavailableError(
      `the refresh cannot load its embedding model ${env.THOTH_EMBEDDING_MODEL} from ${env.THOTH_MODEL_DIR}: ${reason}. ` +
        "Run `npm run model:fetch` before `npm run package`, then `pulumi up`",
    );
  }
  const keep = Number(process.env[ENV.keepVersions] ?? 5);
  const outcomes = await refreshCollections({
    runtime,
    embedder,
    collections,
    ...(Array.isArray(event.collections) ? { only: event.collections } : {}),
    keepVersions: Number.isInteger(keep) && keep > 0 ? keep : 5,
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
  const metrics = createMetrics(env.THOTH_STACK);
  const published = outcomes.flatMap((o) => (o.ok ? [o.summary] : []));
  metrics.addMetric("RefreshFailed", MetricUnit.Count, outcomes.length - published.length);
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
  return { ok: outcomes.every((o) => o.ok), outcomes };
}
