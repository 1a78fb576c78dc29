/**
 * A continuously refilled bucket, the shape providers enforce their RPM/TPM with: the level
 * refills at `perMinute / 60 s` up to `capacity`. Pure arithmetic on (level, updatedAt), so the
 * same algorithm can run as one Redis script when workers share a budget.
 *
 * Why not fixed windows (rate-limiter-flexible): when one batch is a sizeable share of the
 * provider's burst (2,300 tokens against a 3,333-token one-second bucket at TPM 200k), a fixed
 * window admits one batch per window and leaves a third of the limit unused; a bucket that
 * refills like the provider's sends the next batch the moment it fits.
 */
export class TokenBucket {
  #perMinute: number;
  #capacity: number;
  #level: number;
  #updatedAt: number;

  constructor(perMinute: number, capacity: number, now: number) {
    this.#perMinute = perMinute;
    this.#capacity = Math.max(1, capacity);
    this.#level = this.#capacity;
    this.#updatedAt = now;
  }

  /** The bucket as another holder (the shared Redis script) last reported it: `level` at `at`. */
  static restore(perMinute: number, capacity: number, level: number, at: number): TokenBucket {
    const bucket = new TokenBucket(perMinute, capacity, at);
    bucket.#level = Math.min(bucket.#capacity, level);
    return bucket;
  }

  get perMinute(): number {
    return this.#perMinute;
  }

  get capacity(): number {
    return this.#capacity;
  }

  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  /**
   * Milliseconds until `cost` fits; 0 when it fits now. A cost above the capacity goes once the
   * bucket is full (and drives it negative), so an oversized batch is neither starved nor free.
   */
  waitMs(cost: number, now: number): number {
    this.#refill(now);
    const needed = Math.min(cost, this.#capacity);
    return this.#level >= needed ? 0 : Math.ceil(((needed - this.#level) * 60_000) / this.#perMinute);
  }

  /** Takes `cost` (negative gives back, never above capacity). */
  take(cost: number, now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.#capacity, this.#level - cost);
  }

  /** The provider reported what it has left: never believe we have more than that. */
  clampTo(remaining: number, now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.#level, remaining);
  }

  /** The provider's own limit, when it reports one lower than configured (or a burst we assumed wrong). */
  reshape(perMinute: number, capacity: number, now: number): void {
    this.#refill(now);
    this.#perMinute = perMinute;
    this.#capacity = Math.max(1, capacity);
    this.#level = Math.min(this.#level, this.#capacity);
  }

  #refill(now: number): void {
    if (now > this.#updatedAt) {
      this.#level = Math.min(this.#capacity, this.#level + ((now - this.#updatedAt) * this.#perMinute) / 60_000);
      this.#updatedAt = now;
    }
  }
}
