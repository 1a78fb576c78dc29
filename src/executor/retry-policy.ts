import type { ProviderError } from '../llm/provider.ts';

export interface RetryPolicy {
  /** Retries per call for timeouts, 5xx and network errors (config `max_retries`). */
  maxRetries: number;
  /** First backoff step in ms (config `retry_delay`), doubled each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s never fail a task, but an endless storm must end: after this many waits the call fails. */
  max429Waits: number;
}

/** Exponential backoff with full jitter: spreads retries so workers do not stampede together. */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** How long to wait before trying again after `error`, or undefined when it must not be retried. */
export function retryDelay(policy: RetryPolicy, error: ProviderError, attempt: number): number | undefined {
  if (error.isFatal || error.kind === 'aborted') return undefined;
  if (error.kind === 'rate_limit') return error.retryAfterMs ?? backoffMs(policy, Math.min(attempt, 5));
  if (attempt >= policy.maxRetries) return undefined;
  return error.retryAfterMs ?? backoffMs(policy, attempt);
}
