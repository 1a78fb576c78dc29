/**
 * The simulated provider's rate limits: requests and tokens per minute as continuously refilled
 * buckets, reported in OpenAI's `x-ratelimit-*` headers so clients can pace themselves.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * Continuous-refill token bucket. A request larger than the whole bucket is admitted once the
 * bucket is full and drives it negative, so oversized requests neither starve nor go unbilled.
 */
class TokenBucket {
  readonly capacity: number;
  #level: number;
  #updatedAt = performance.now();

  constructor(readonly perMinute: number, burstWindowMs: number) {
    this.capacity = Math.max(1, (perMinute * burstWindowMs) / 60_000);
    this.#level = this.capacity;
  }

  /** Milliseconds until `cost` fits; 0 means it fits now. */
  waitMs(cost: number, now: number): number {
    this.#refill(now);
    const needed = Math.min(cost, this.capacity);
    return this.#level >= needed ? 0 : ((needed - this.#level) * 60_000) / this.perMinute;
  }

  take(cost: number): void { this.#level -= cost; }
  /** The exact level after refilling to `now`; negative after an oversized request. */
  level(now: number): number { this.#refill(now); return this.#level; }
  remaining(): number { return Math.max(0, Math.floor(this.#level)); }
  msUntilFull(now: number): number { this.#refill(now); return ((this.capacity - this.#level) * 60_000) / this.perMinute; }

  #refill(now: number): void {
    this.#level = Math.min(this.capacity, this.#level + ((now - this.#updatedAt) * this.perMinute) / 60_000);
    this.#updatedAt = now;
  }
}

/** The requests and tokens buckets together; a request takes from both or from neither. */
export class RateLimits {
  readonly #requests?: TokenBucket;
  readonly #tokens?: TokenBucket;

  constructor(rpm: number | undefined, tpm: number | undefined, burstWindowMs: number) {
    if (rpm) this.#requests = new TokenBucket(rpm, burstWindowMs);
    if (tpm) this.#tokens = new TokenBucket(tpm, burstWindowMs);
  }

  /** Takes one request and `tokens` and returns 0, or takes nothing and returns the wait in ms. */
  admit(tokens: number, now: number): number {
    const waitMs = Math.max(this.#requests?.waitMs(1, now) ?? 0, this.#tokens?.waitMs(tokens, now) ?? 0);
    if (waitMs > 0) return waitMs;
    this.#requests?.take(1);
    this.#tokens?.take(tokens);
    return 0;
  }

  /** Both buckets' exact levels at `now`, for the provider's timeline; a limit that is off is absent. */
  levels(now: number): { requests?: number; tokens?: number } {
    const levels: { requests?: number; tokens?: number } = {};
    if (this.#requests) levels.requests = this.#requests.level(now);
    if (this.#tokens) levels.tokens = this.#tokens.level(now);
    return levels;
  }

  writeHeaders(res: ServerResponse, now: number): void {
    for (const [kind, bucket] of [['requests', this.#requests], ['tokens', this.#tokens]] as const) {
      if (!bucket) continue;
      res.setHeader(`x-ratelimit-limit-${kind}`, String(bucket.perMinute));
      res.setHeader(`x-ratelimit-remaining-${kind}`, String(bucket.remaining()));
      res.setHeader(`x-ratelimit-reset-${kind}`, formatReset(bucket.msUntilFull(now)));
    }
  }
}

/** OpenAI's reset format: `250ms`, `1.5s`, `6m0s`. */
function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return ms < 60_000 ? `${round(ms / 1000)}s` : `${Math.floor(ms / 60_000)}m${round((ms % 60_000) / 1000)}s`;
}
