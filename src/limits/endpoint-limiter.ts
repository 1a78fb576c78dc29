import type { RateLimitSnapshot } from './rate-limit-headers.ts';
import type { LimiterSnapshot, Permit, RateLimiter } from './rate-limiter.ts';
import { HEADROOM, observeRatio, reserveFor, scaleFor, type Learned } from './estimate-ratio.ts';
import { TokenBucket } from './token-bucket.ts';
import { DEFAULT_LANE_POLICIES, NO_LANE, policyOf, type LanePolicies } from './lane-policy.ts';
import { LaneCredits, type LaneWaiter } from './lane-credits.ts';

export interface EndpointLimiterOptions {
  /** Requests per minute to pace at (config `rpm_throttle`, `--rpm`, or the endpoint's `rpm`). */
  rpm: number;
  /** Tokens per minute (prompt + completion), likewise. */
  tpm: number;
  /** Calls in flight at most. Default unlimited (the worker pool bounds it). */
  maxConcurrency?: number;
  /**
   * How much of a minute's budget the provider lets through at once, in ms (default
   * DEFAULT_BURST_MS). Learned from `x-ratelimit-remaining/reset` headers.
   */
  burstMs?: number;
  /** How the queue lanes share the budget (config `limits.lanes`; lane-policy.ts). Default DEFAULT_LANE_POLICIES. */
  lanes?: LanePolicies;
  now?: () => number;
}

/** How much of a minute's budget providers let through at once, unless headers teach otherwise: OpenAI enforces limits over about a second. */
export const DEFAULT_BURST_MS = 1000;

interface Waiter extends LaneWaiter {
  /** The caller's estimate; `tokens` is what was reserved for it (scaled by the learned ratio). */
  estimate: number;
  kind: string;
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort(): void;
}

/**
 * One endpoint's RPM, TPM and concurrency as continuously refilled buckets mirroring the
 * provider's own, served by lane priority, first come, first served within a lane, each lane's
 * reserved share kept (lane-policy.ts). Each call reserves one request and its estimated
 * tokens; `settle` replaces the estimate with the reply's usage and lets the reply's rate-limit
 * headers correct the picture, so the local budget tracks the provider's.
 */
export class EndpointLimiter implements RateLimiter {
  readonly #requests: TokenBucket;
  readonly #tokens: TokenBucket;
  /** The endpoint's whole budget, configured or learned from headers: each bucket is it × #share. */
  readonly #whole: { requests: BucketShape; tokens: BucketShape };
  /** This process's share of the budget (setShare); 1 when it has the endpoint to itself. */
  #share = 1;
  readonly #wholeConcurrency: number;
  #maxConcurrency: number;
  readonly #now: () => number;
  /** Highest lane priority first, arrival order within a priority. */
  readonly #queue: Waiter[] = [];
  readonly #lanes: LanePolicies;
  readonly #credits = new LaneCredits();
  #inFlight = 0;
  #pausedUntil = 0;
  /** Used ÷ estimated tokens per kind of call (see RateLimiter.acquire). */
  readonly #learned = new Map<string, Learned>();
  /** Calls in flight per kind: a kind with no reply yet sends one at a time (see #waitFor). */
  readonly #inFlightByKind = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: EndpointLimiterOptions) {
    this.#now = options.now ?? Date.now;
    const burstMs = options.burstMs ?? DEFAULT_BURST_MS;
    const now = this.#now();
    this.#whole = {
      requests: { perMinute: options.rpm, capacity: (options.rpm * burstMs) / 60_000 },
      tokens: { perMinute: options.tpm, capacity: (options.tpm * burstMs) / 60_000 },
    };
    this.#requests = new TokenBucket(this.#whole.requests.perMinute, this.#whole.requests.capacity, now);
    this.#tokens = new TokenBucket(this.#whole.tokens.perMinute, this.#whole.tokens.capacity, now);
    this.#wholeConcurrency = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    this.#maxConcurrency = this.#wholeConcurrency;
    this.#lanes = options.lanes ?? DEFAULT_LANE_POLICIES;
  }

  acquire(tokens: number, signal?: AbortSignal, kind = '', lane = NO_LANE): Promise<Permit> {
    signal?.throwIfAborted();
    return new Promise<Permit>((resolve, reject) => {
      const policy = policyOf(this.#lanes, lane);
      const waiter: Waiter = {
        estimate: tokens,
        kind,
        lane,
        ...policy,
        tokens: this.#reserve(tokens, kind),
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(signal?.reason);
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      // Behind every waiter of its priority or higher, ahead of every lower one.
      const at = this.#queue.findIndex((w) => w.priority < waiter.priority);
      this.#queue.splice(at < 0 ? this.#queue.length : at, 0, waiter);
      this.#pump();
    });
  }

  /**
   * Paces on `share` (0..1] of the endpoint's budget: RPM, TPM, burst and concurrency, the limits
   * later learned from headers included. For processes that cannot draw on one budget together
   * (worker-shares.ts): each takes its part, so together they stay within the whole — except that
   * a bucket's burst is never under one request (or one token), so shares smaller than that let
   * each worker send one call at once. Calls are cut to the share's burst (`burstTokens`), so they
   * get smaller as the share does: a burst of the whole from several workers at once is a 429.
   */
  setShare(share: number): void {
    const next = Math.min(1, Math.max(Number.MIN_VALUE, share));
    if (next === this.#share) return;
    this.#share = next;
    const now = this.#now();
    this.#requests.reshape(this.#whole.requests.perMinute * next, this.#whole.requests.capacity * next, now);
    this.#tokens.reshape(this.#whole.tokens.perMinute * next, this.#whole.tokens.capacity * next, now);
    // Rounded down, so the workers' caps add up to the whole; a worker always has one call.
    this.#maxConcurrency = Number.isFinite(this.#wholeConcurrency) ? Math.max(1, Math.floor(this.#wholeConcurrency * next)) : this.#wholeConcurrency;
    this.#pump();
  }

  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
    this.#pump();
  }

  snapshot(): LimiterSnapshot {
    const now = this.#now();
    return {
      rpm: this.#requests.perMinute,
      tpm: this.#tokens.perMinute,
      inFlight: this.#inFlight,
      maxConcurrency: this.#maxConcurrency,
      waiting: this.#queue.length,
      spareRequests: Math.max(0, this.#requests.level(now) / this.#requests.capacity),
      spareTokens: Math.max(0, this.#tokens.level(now) / this.#tokens.capacity),
      waitMs: (tokens, kind = '') => this.#waitFor(this.#reserve(tokens, kind), kind, this.#now()),
      burstTokens: (kind = '') => Math.floor(this.#tokens.capacity / this.#scale(kind)),
    };
  }

  /**
   * Grants the head of the queue while it fits, then sleeps until it could, or until a reserved
   * lane's credit covers its next call (that call then becomes the head).
   */
  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#now();
    // Sized now, not when they queued: a reply meanwhile may have taught their kind's ratio.
    for (const waiter of this.#queue) waiter.tokens = this.#reserve(waiter.estimate, waiter.kind);
    const rates = { tokensPerMs: this.#tokens.perMinute / 60_000, requestsPerMs: this.#requests.perMinute / 60_000, tokenCapacity: this.#tokens.capacity, requestCapacity: this.#requests.capacity };
    this.#credits.accrue(this.#queue, rates, now);
    while (this.#queue.length) {
      const head = this.#credits.head(this.#queue);
      const wait = this.#waitFor(head.tokens, head.kind, now);
      // Out of concurrency: the next settle pumps again.
      if (wait === Number.POSITIVE_INFINITY) return;
      if (wait > 0) {
        this.#timer = setTimeout(() => this.#pump(), Math.max(1, Math.min(wait, this.#credits.nextDueMs(this.#queue, head, rates))));
        return;
      }
      this.#queue.splice(this.#queue.indexOf(head), 1);
      this.#credits.spend(head, this.#queue);
      head.signal?.removeEventListener('abort', head.onAbort);
      this.#requests.take(1, now);
      this.#tokens.take(head.tokens, now);
      this.#inFlight++;
      this.#inFlightByKind.set(head.kind, (this.#inFlightByKind.get(head.kind) ?? 0) + 1);
      head.resolve(this.#permit(head.tokens, head.estimate, head.kind));
    }
  }

  #waitFor(tokens: number, kind: string, now: number): number {
    if (this.#inFlight >= this.#maxConcurrency) return Number.POSITIVE_INFINITY;
    // Slow start: one call until a reply says how far off the estimates are, and one call of each
    // kind until a reply of that kind does. Filling the burst with estimates 30% low is a 429 for
    // every worker at once; one reply's wait is not.
    if (!this.#learned.size && this.#inFlight > 0) return Number.POSITIVE_INFINITY;
    if (!this.#learned.has(kind) && (this.#inFlightByKind.get(kind) ?? 0) > 0) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.#pausedUntil - now, this.#requests.waitMs(1, now), this.#tokens.waitMs(tokens + HEADROOM * this.#tokens.capacity, now));
  }

  #scale(kind: string): number {
    return scaleFor(this.#learned, kind);
  }

  #reserve(estimate: number, kind: string): number {
    return reserveFor(this.#learned, estimate, kind);
  }

  #permit(reserved: number, estimate: number, kind: string): Permit {
    const startedAt = this.#now();
    let settled = false;
    return {
      settle: (outcome = {}) => {
        if (settled) return;
        settled = true;
        this.#inFlight--;
        this.#inFlightByKind.set(kind, (this.#inFlightByKind.get(kind) ?? 1) - 1);
        const now = this.#now();
        if (outcome.usedTokens !== undefined) this.#reconcile(reserved, estimate, kind, outcome.usedTokens, now);
        if (outcome.rateLimit) this.#follow(outcome.rateLimit, now, now - startedAt);
        this.#pump();
      },
    };
  }

  #reconcile(reserved: number, estimate: number, kind: string, used: number, now: number): void {
    this.#tokens.take(used - reserved, now);
    // The estimate is the caller's own, not re-derived from a ratio that moved since the reservation.
    const learned = observeRatio(this.#learned.get(kind), used, estimate);
    if (learned) this.#learned.set(kind, learned);
  }

  /**
   * The provider's headers win over configuration: a lower reported limit is adopted, the burst is
   * learned from remaining + time-to-full, and the local level never exceeds what the provider
   * says it has left (allowing for the refill while the reply was on its way).
   */
  #follow(headers: RateLimitSnapshot, now: number, callMs: number): void {
    follow(this.#whole.requests, this.#requests, this.#share, headers.limitRequests, headers.remainingRequests, headers.resetRequestsMs, now, callMs);
    follow(this.#whole.tokens, this.#tokens, this.#share, headers.limitTokens, headers.remainingTokens, headers.resetTokensMs, now, callMs);
  }
}

interface BucketShape {
  perMinute: number;
  capacity: number;
}

/**
 * Learns the endpoint's whole limit and burst from a reply's headers (`whole`), and shapes this
 * process's bucket as its share of them; what the provider has left bounds the level whatever the
 * share, as no process can have more than that.
 */
function follow(whole: BucketShape, bucket: TokenBucket, share: number, limit: number | undefined, remaining: number | undefined, resetMs: number | undefined, now: number, callMs: number): void {
  const perMinute = limit && limit < whole.perMinute ? limit : whole.perMinute;
  if (remaining === undefined) return;
  let capacity = whole.capacity;
  if (resetMs !== undefined) {
    const learned = remaining + (resetMs * perMinute) / 60_000;
    if (learned >= 1 && learned <= perMinute && Math.abs(learned - capacity) > capacity * 0.1) capacity = learned;
  }
  if (perMinute !== whole.perMinute || capacity !== whole.capacity) {
    whole.perMinute = perMinute;
    whole.capacity = capacity;
    bucket.reshape(perMinute * share, capacity * share, now);
  }
  bucket.clampTo(remaining + (callMs * perMinute) / 60_000, now);
}
