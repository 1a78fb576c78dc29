import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from './rate-limiter.ts';

export interface MemoryRateLimiterOptions {
  rpm: number;
  tpm: number;
  /**
   * Window the per-minute limits are spread over, in seconds. Short windows keep bursts small
   * (providers enforce limits over short windows too); the token window must still hold one
   * large batch. Defaults: 1 s for requests, 6 s for tokens.
   */
  requestWindowSeconds?: number;
  tokenWindowSeconds?: number;
}

/** In-process limiter on rate-limiter-flexible; the Redis one shares the same API for many workers. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #requests: RateLimiterMemory;
  readonly #tokens: RateLimiterMemory;
  readonly #tokenCapacity: number;
  #pausedUntil = 0;

  constructor(options: MemoryRateLimiterOptions) {
    const requestWindow = options.requestWindowSeconds ?? 1;
    const tokenWindow = options.tokenWindowSeconds ?? 6;
    const requestPoints = Math.max(1, Math.floor((options.rpm * requestWindow) / 60));
    this.#requests = new RateLimiterMemory({ points: requestPoints, duration: Math.max(requestWindow, Math.ceil(60 / options.rpm)) });
    this.#tokenCapacity = Math.max(1, Math.floor((options.tpm * tokenWindow) / 60));
    this.#tokens = new RateLimiterMemory({ points: this.#tokenCapacity, duration: tokenWindow });
  }

  async acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    await this.#waitPause(signal);
    await this.#consume(this.#requests, 1, signal);
    // A batch larger than a whole window still goes, alone, once the window is empty.
    await this.#consume(this.#tokens, Math.min(Math.max(1, Math.ceil(tokens)), this.#tokenCapacity), signal);
  }

  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
  }

  async #waitPause(signal?: AbortSignal): Promise<void> {
    while (Date.now() < this.#pausedUntil) await sleep(this.#pausedUntil - Date.now(), undefined, { signal });
  }

  async #consume(limiter: RateLimiterMemory, points: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await limiter.consume('provider', points);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // The rejected attempt still counted; take it back so waiting does not eat budget.
        await limiter.reward('provider', points);
        await sleep(Math.max(5, rejection.msBeforeNext), undefined, { signal });
      }
    }
  }
}
