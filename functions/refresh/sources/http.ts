import { SourceError } from "../../core/errors.js";

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 300,
  maxDelayMs: 10_000,
  timeoutMs: 30_000,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter; a server's Retry-After (seconds) wins when it is longer. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  const jittered = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const asked = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(jittered, asked));
}

/**
 * fetch with a timeout per attempt, retrying network errors, 429 and 5xx with backoff. Other statuses are
 * returned for the caller to judge. `what` names the request in errors; it must not contain a secret.
 */
export async function fetchWithRetry(
  url: string,
  init: RequestInit,
  what: string,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<Response> {
  let last: string;
  for (let attempt = 0; ; attempt++) {
    let retryAfter: string | null = null;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(policy.timeoutMs) });
      if (response.status !== 429 && response.status < 500) return response;
      last = `HTTP ${response.status}`;
      retryAfter = response.headers.get("retry-after");
      await response.body?.cancel();
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      last =
        e.name === "TimeoutError" ? `timed out after ${policy.timeoutMs} ms` : (e.cause?.code ?? e.message);
    }
    if (attempt >= policy.retries) break;
    await sleep(retryDelay(policy, attempt, retryAfter));
  }
  throw new SourceError(`${what} failed after ${policy.retries + 1} attempts (${last})`);
}
