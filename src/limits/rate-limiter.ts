import type { RateLimitSnapshot } from './rate-limit-headers.ts';

/**
 * Reserves one endpoint's capacity before a call (seed 003 global limiter): one request, its
 * estimated tokens and a concurrency slot. The in-process limiter is `EndpointLimiter`; a Redis
 * one keeps the same contract so many workers share one budget.
 */
export interface RateLimiter {
  /**
   * Waits until the call fits under every limit, then reserves it: by the priority of its queue
   * `lane`, first come, first served within a lane, each lane's reserved share kept
   * (lane-policy.ts; default lane `translation`). `kind` groups calls whose estimates err alike
   * (the target language: Thai replies run longer than their estimate than German ones do), so
   * each kind's estimates are corrected on their own.
   */
  acquire(tokens: number, signal?: AbortSignal, kind?: string, lane?: string): Promise<Permit>;
  /** Everyone waits: the provider said slow down (429 with retry-after). */
  pause(ms: number): void;
  /** What the limiter sees now, for routing and adaptive control. */
  snapshot(): LimiterSnapshot;
}

/** One reserved call. `settle` exactly once, whatever happened to the call. */
export interface Permit {
  /**
   * Frees the concurrency slot and reconciles the reservation: `usedTokens` (the reply's usage)
   * replaces the estimate; `headers` from the reply correct the local picture of the budget.
   */
  settle(outcome?: { usedTokens?: number; rateLimit?: RateLimitSnapshot }): void;
}

export interface LimiterSnapshot {
  rpm: number;
  tpm: number;
  inFlight: number;
  maxConcurrency: number;
  /** Calls waiting for capacity right now. */
  waiting: number;
  /** Share 0..1 of each budget free now. */
  spareRequests: number;
  spareTokens: number;
  /** Milliseconds until a call of `tokens` (of `kind`) could start. */
  waitMs(tokens: number, kind?: string): number;
  /**
   * The largest call estimate (in the caller's units, before the learned used÷estimated ratio)
   * that fits the provider's burst at once: the token bucket's capacity, which the provider's
   * headers may have taught.
   */
  burstTokens(kind?: string): number;
}

/** What a limiter is built from: the endpoint's limits and what identifies its budget (never its key). */
export interface LimitedEndpoint {
  name: string;
  baseUrl?: string;
  model: string;
  /** The environment variable the key comes from: names the key without holding it. */
  apiKeyEnv?: string;
  rpm: number;
  tpm: number;
  maxConcurrency?: number;
}

/** Builds each endpoint's limiter (lane policies included): in-process by default (presets.ts), shared through Redis for workers. */
export type LimiterFactory = (endpoint: LimitedEndpoint) => RateLimiter;
