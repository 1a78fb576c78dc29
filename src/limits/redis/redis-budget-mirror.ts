import { HEADROOM, reserveFor, scaleFor, type Learned } from '../estimate-ratio.ts';
import type { LimiterSnapshot } from '../rate-limiter.ts';
import { TokenBucket } from '../token-bucket.ts';
import type { BudgetState } from './redis-budget-script.ts';

/** What the mirror needs of the limiter it serves: its cap and what this process holds. */
export interface LocalView {
  maxConcurrency: number;
  waiting: number;
  /** This process's calls in flight of `kind`. */
  inFlightOf(kind: string): number;
}

/**
 * The last shared budget the script returned, kept so `snapshot()` stays synchronous: levels are
 * extrapolated with the refill since then, on Redis's clock (estimated from this process's clock
 * and the offset seen at the last answer), so workers on machines whose clocks disagree agree.
 */
export class RedisBudgetMirror {
  #state: BudgetState;
  #offset = 0;

  /** Before the first answer: the configured limits, buckets full, nothing learned. */
  constructor(rpm: number, tpm: number, burstMs: number, now = Date.now()) {
    const requestCapacity = Math.max(1, (rpm * burstMs) / 60_000);
    const tokenCapacity = Math.max(1, (tpm * burstMs) / 60_000);
    this.#state = { granted: false, waitMs: 0, now, rpm, tpm, requestCapacity, tokenCapacity, requestLevel: requestCapacity, tokenLevel: tokenCapacity, pausedUntil: 0, inFlight: 0, servedLane: '', learned: new Map() };
  }

  update(state: BudgetState): void {
    this.#state = state;
    this.#offset = state.now - Date.now();
  }

  get learned(): ReadonlyMap<string, Learned> {
    return this.#state.learned;
  }

  /** Redis's clock now, as far as this process can tell. */
  now(): number {
    return Date.now() + this.#offset;
  }

  /** A pause this process asked for shows at once, before Redis confirms it. */
  pauseLocally(ms: number): void {
    this.#state = { ...this.#state, pausedUntil: Math.max(this.#state.pausedUntil, this.now() + ms) };
  }

  reserve(estimate: number, kind: string): number {
    return reserveFor(this.#state.learned, estimate, kind);
  }

  snapshot(local: LocalView): LimiterSnapshot {
    const s = this.#state;
    const now = this.now();
    const requests = TokenBucket.restore(s.rpm, s.requestCapacity, s.requestLevel, s.now);
    const tokens = TokenBucket.restore(s.tpm, s.tokenCapacity, s.tokenLevel, s.now);
    return {
      rpm: s.rpm,
      tpm: s.tpm,
      inFlight: s.inFlight,
      maxConcurrency: local.maxConcurrency,
      waiting: local.waiting,
      spareRequests: Math.max(0, requests.level(now) / requests.capacity),
      spareTokens: Math.max(0, tokens.level(now) / tokens.capacity),
      waitMs: (estimate, kind = '') => {
        // The script's own rules (endpoint-budget.lua acquire), on the mirrored state.
        if (s.inFlight >= local.maxConcurrency) return Number.POSITIVE_INFINITY;
        if (!s.learned.size && s.inFlight > 0) return Number.POSITIVE_INFINITY;
        if (!s.learned.has(kind) && local.inFlightOf(kind) > 0) return Number.POSITIVE_INFINITY;
        const cost = this.reserve(estimate, kind) + HEADROOM * tokens.capacity;
        return Math.max(0, s.pausedUntil - now, requests.waitMs(1, now), tokens.waitMs(cost, now));
      },
      burstTokens: (kind = '') => Math.floor(tokens.capacity / scaleFor(s.learned, kind)),
    };
  }
}
