/** Reserves provider capacity before a call (seed 003 global limiter). */
export interface RateLimiter {
  /** Waits until one request and `tokens` estimated tokens fit under the limits, then reserves them. */
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
  /** Everyone waits: the provider said slow down (429 with retry-after). */
  pause(ms: number): void;
}
