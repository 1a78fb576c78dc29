import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_BURST_MS } from '../endpoint-limiter.ts';
import { HEADROOM } from '../estimate-ratio.ts';
import { DEFAULT_LANE_POLICIES, NO_LANE, policyOf, type LanePolicies, type LanePolicy } from '../lane-policy.ts';
import type { LimiterSnapshot, Permit, RateLimiter } from '../rate-limiter.ts';
import { RedisBudgetMirror } from './redis-budget-mirror.ts';
import { RedisBudgetScript, type BudgetState, type SettleArgs, type WaitingLane } from './redis-budget-script.ts';

export interface RedisEndpointLimiterOptions {
  /** A connection made with `enableOfflineQueue: false` (see redis-shared-limiters.ts), so an outage fails fast and is waited out here. */
  redis: Redis;
  /** `<prefix>:{<endpoint id>}`; every worker calling the same endpoint with the same key uses the same one. */
  key: string;
  rpm: number;
  tpm: number;
  /** Calls in flight at most, across all workers. Default unlimited. */
  maxConcurrency?: number;
  /** As EndpointLimiterOptions.burstMs (default DEFAULT_BURST_MS). */
  burstMs?: number;
  /** A slot not renewed for this long is freed: how soon a SIGKILLed worker's calls stop counting. Default 30 s. */
  slotTtlMs?: number;
  /** While calls wait or run: how often slots are renewed and the mirror refreshed. Default 1 s. */
  refreshMs?: number;
  /** The shared state of an endpoint nobody used for this long expires. Default 15 min. */
  idleTtlMs?: number;
  /** How the queue lanes share the budget (config `limits.lanes`; lane-policy.ts). Default DEFAULT_LANE_POLICIES. */
  lanes?: LanePolicies;
  /** Redis went away or came back, or a settle could not be delivered; default: one line on stderr each time. */
  onStatus?: (event: LimiterStatusEvent) => void;
}

/** `unavailable` once per outage (calls wait), `available` when it ends, `lost` when a settle or pause was given up. */
export interface LimiterStatusEvent {
  status: 'unavailable' | 'available' | 'lost';
  error?: Error;
}

interface Waiter extends LanePolicy {
  estimate: number;
  kind: string;
  lane: string;
  /** When it began waiting (this process's clock; Redis is told how long ago). */
  arrivedAt: number;
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort(): void;
}

/** Blocked by concurrency or slow start on other workers (no wake-up crosses processes): poll this often, ±50%. */
const BLOCKED_POLL_MS = 20;
/** While Redis is unreachable, try again this often. */
const OUTAGE_POLL_MS = 250;
/** An outage is reported once it lasts this long: the connection still being made at start is none. */
const REPORT_OUTAGE_AFTER_MS = 1_000;
/**
 * A worker's waiting lanes lapse in Redis this long after it last said so (every refresh, every
 * ask): a worker that died stops holding lower lanes back within it.
 */
const WAITING_TTL_FACTOR = 3;

/**
 * One endpoint's RPM, TPM and concurrency shared by every worker process through Redis
 * (endpoint-budget.lua): the buckets, in-flight slots, the 429 pause, the limits learned from
 * headers, the used ÷ estimated ratio per kind, and the lanes waiting on every worker with their
 * credit all live there, so what one worker learns or is told applies to all, and a waiting call
 * of a higher-priority lane on one worker goes before a lower lane's on another (lane-policy.ts).
 * What stays here: this process's waiters, by lane priority then arrival (the head, or the first
 * waiter of the lane the script says goes next, asks the script; the script says when to ask
 * again), and a mirror of the last state for `snapshot()`.
 *
 * The ratio is shared rather than learned per process because it is a property of the provider's
 * tokenizer and our estimator, the same on every worker; learned locally, each new worker would
 * size its first calls of every language blind, and a burst of those from several workers at once
 * is the 429 slow start exists to prevent.
 */
export class RedisEndpointLimiter implements RateLimiter {
  readonly #script: RedisBudgetScript;
  readonly #mirror: RedisBudgetMirror;
  readonly #maxConcurrency: number;
  readonly #slotTtlMs: number;
  readonly #refreshMs: number;
  readonly #onStatus: (event: LimiterStatusEvent) => void;
  readonly #lanes: LanePolicies;
  /** This limiter among the workers: its entries in the shared waiting table. */
  readonly #worker = randomUUID();
  readonly #waitingTtlMs: number;
  /** Highest lane priority first, arrival order within a priority. */
  readonly #queue: Waiter[] = [];
  /** The lane the script last said goes next across all workers. */
  #servedLane = '';
  /** True while an acquire is on its way to Redis (it carries this limiter's waiting lanes). */
  #asking = false;
  /** True while Redis may hold waiting entries of this limiter (cleared by telling it nothing waits). */
  #registered = false;
  /** Permit ids this process holds, renewed by the refresh timer so they outlive slotTtlMs. */
  readonly #live = new Set<string>();
  readonly #inFlightByKind = new Map<string, number>();
  readonly #pending = new Set<Promise<void>>();
  #draining = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the current outage began, and whether it was reported (only past REPORT_OUTAGE_AFTER_MS). */
  #downSince: number | undefined;
  #reportedDown = false;
  #closed = false;

  constructor(options: RedisEndpointLimiterOptions) {
    const burstMs = options.burstMs ?? DEFAULT_BURST_MS;
    const idleTtlMs = options.idleTtlMs ?? 15 * 60_000;
    this.#script = new RedisBudgetScript(options.redis, { key: options.key, rpm: options.rpm, tpm: options.tpm, burstMs, idleTtlMs });
    this.#mirror = new RedisBudgetMirror(options.rpm, options.tpm, burstMs);
    this.#maxConcurrency = options.maxConcurrency ?? Number.POSITIVE_INFINITY;
    this.#slotTtlMs = options.slotTtlMs ?? 30_000;
    this.#refreshMs = options.refreshMs ?? 1_000;
    this.#onStatus = options.onStatus ?? reportStatus;
    this.#lanes = options.lanes ?? DEFAULT_LANE_POLICIES;
    this.#waitingTtlMs = WAITING_TTL_FACTOR * Math.max(this.#refreshMs, 1_000);
  }

  acquire(tokens: number, signal?: AbortSignal, kind = '', lane = NO_LANE): Promise<Permit> {
    signal?.throwIfAborted();
    if (this.#closed) return Promise.reject(new Error('the shared rate limiter was closed'));
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        estimate: tokens,
        kind,
        lane,
        ...policyOf(this.#lanes, lane),
        arrivedAt: Date.now(),
        resolve,
        reject,
        signal,
        onAbort: () => {
          if (this.#dequeue(waiter)) reject(signal?.reason);
          this.#wake?.();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      const isNewLane = !this.#queue.some((w) => w.lane === lane);
      const at = this.#queue.findIndex((w) => w.priority < waiter.priority);
      this.#queue.splice(at < 0 ? this.#queue.length : at, 0, waiter);
      this.#activate();
      // A lane new here is told to Redis at once (the sleeping loop asks again): other workers'
      // lower lanes defer to it from now, not from the next refresh.
      if (isNewLane) this.#wake?.();
    });
  }

  pause(ms: number): void {
    this.#mirror.pauseLocally(ms);
    this.#deliver(() => this.#script.pause(ms));
  }

  snapshot(): LimiterSnapshot {
    return this.#mirror.snapshot({ maxConcurrency: this.#maxConcurrency, waiting: this.#queue.length, inFlightOf: (kind) => this.#inFlightByKind.get(kind) ?? 0 });
  }

  /** Resolves once every settle and pause sent so far has reached Redis (or been given up). */
  async onIdle(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending);
  }

  /** Stops the refresh timer and rejects the waiters; what is still to send gets no more retries. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const waiter of [...this.#queue]) if (this.#dequeue(waiter)) waiter.reject(new Error('the shared rate limiter was closed'));
    this.#wake?.();
    if (this.#registered) this.#deliver(() => this.#script.waiting(this.#worker, this.#waitingTtlMs, []));
    await this.onIdle();
  }

  #activate(): void {
    this.#timer ??= setInterval(() => this.#refresh(), this.#refreshMs).unref();
    if (this.#draining) return;
    this.#draining = true;
    void this.#drain().finally(() => {
      this.#draining = false;
      // A waiter that came while the loop was on its way out.
      if (this.#queue.length && !this.#closed) this.#activate();
    });
  }

  /**
   * The head of the queue asks the script until it is granted; the rest wait their turn behind
   * it. When the script says another lane goes next (a higher priority, or a reserved lane whose
   * credit came due, on any worker) and a call of that lane waits here, that call asks instead.
   */
  async #drain(): Promise<void> {
    let retried = false;
    while (this.#queue.length && !this.#closed) {
      const head = this.#queue.find((w) => w.lane === this.#servedLane) ?? this.#queue[0];
      const id = randomUUID();
      const reserved = this.#mirror.reserve(head.estimate, head.kind);
      let state: BudgetState;
      try {
        const common = { id, kind: head.kind, tokens: reserved, maxConcurrency: this.#maxConcurrency, headroom: HEADROOM, slotTtlMs: this.#slotTtlMs };
        this.#registered = true;
        this.#asking = true;
        state = await this.#script.acquire({ ...common, lane: head.lane, worker: this.#worker, waitingTtlMs: this.#waitingTtlMs, waiting: this.#waitingLanes() });
      } catch (error) {
        this.#asking = false;
        if (!isOutage(error)) {
          if (this.#dequeue(head)) head.reject(error);
          continue;
        }
        this.#down(error as Error);
        await this.#sleep(OUTAGE_POLL_MS);
        continue;
      }
      this.#asking = false;
      this.#up(state);
      this.#servedLane = state.servedLane;
      if (state.granted) {
        retried = false;
        const permit = this.#permit(id, reserved, head.estimate, head.kind);
        // Aborted while the script ran: give the reservation straight back.
        if (this.#dequeue(head)) head.resolve(permit);
        else permit.settle({ usedTokens: 0 });
        continue;
      }
      // Another lane of ours goes next: it asks at once (once; then we wait as told).
      if (!retried && state.servedLane !== head.lane && this.#queue.some((w) => w.lane === state.servedLane)) {
        retried = true;
        continue;
      }
      retried = false;
      await this.#sleep(state.waitMs < 0 ? BLOCKED_POLL_MS * (0.5 + Math.random()) : state.waitMs + jitter(state.waitMs));
    }
  }

  #permit(id: string, reserved: number, estimate: number, kind: string): Permit {
    const startedAt = Date.now();
    this.#live.add(id);
    this.#inFlightByKind.set(kind, (this.#inFlightByKind.get(kind) ?? 0) + 1);
    let settled = false;
    return {
      settle: (outcome = {}) => {
        if (settled) return;
        settled = true;
        this.#live.delete(id);
        this.#inFlightByKind.set(kind, (this.#inFlightByKind.get(kind) ?? 1) - 1);
        const args: SettleArgs = { id, kind, reserved, estimate, usedTokens: outcome.usedTokens, rateLimit: outcome.rateLimit, callMs: Date.now() - startedAt };
        this.#deliver(() => this.#script.settle(args));
      },
    };
  }

  /**
   * Sends a settle or pause, retried through an outage for as long as a slot lives: after that
   * Redis has freed the slot by itself, and the reservation's tokens have long refilled.
   */
  #deliver(send: () => Promise<BudgetState>): void {
    const giveUpAt = Date.now() + this.#slotTtlMs;
    const delivery = (async () => {
      for (;;) {
        try {
          this.#up(await send());
          this.#wake?.();
          return;
        } catch (error) {
          if (!isOutage(error) || Date.now() > giveUpAt || this.#closed) return this.#onStatus({ status: 'lost', error: error as Error });
          this.#down(error as Error);
          await new Promise((resolve) => setTimeout(resolve, OUTAGE_POLL_MS).unref());
        }
      }
    })();
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
  }

  /**
   * Renews this process's slots and its waiting lanes in Redis, and refreshes the mirror; once
   * nothing waits, tells Redis so (lower lanes elsewhere need not defer to calls no longer here),
   * and stops when nothing runs either.
   */
  #refresh(): void {
    // An acquire on its way says what waits here itself, and a grant drops the granted call's lane:
    // a refresh sent behind it would put back the entry of a call already granted.
    if (!this.#asking && (this.#queue.length || this.#registered)) {
      this.#registered = this.#queue.length > 0;
      this.#script.waiting(this.#worker, this.#waitingTtlMs, this.#waitingLanes()).then((state) => this.#up(state), (error) => isOutage(error) && this.#down(error));
    }
    if (!this.#live.size && !this.#queue.length && !this.#registered) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#live.size) this.#script.renew([...this.#live], this.#slotTtlMs).then((state) => this.#up(state), (error) => isOutage(error) && this.#down(error));
  }

  /** What this process has waiting, per lane, for the shared waiting table. */
  #waitingLanes(): WaitingLane[] {
    const lanes = new Map<string, WaitingLane>();
    for (const w of this.#queue) {
      const entry = lanes.get(w.lane);
      if (entry) entry.calls++;
      else lanes.set(w.lane, { lane: w.lane, priority: w.priority, reservedShare: w.reservedShare, calls: 1, firstTokens: this.#mirror.reserve(w.estimate, w.kind), firstWaitedMs: Date.now() - w.arrivedAt });
    }
    return [...lanes.values()];
  }

  /** Waits `ms`, or less when a local settle, an abort or a close may have changed the answer. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  #dequeue(waiter: Waiter): boolean {
    const at = this.#queue.indexOf(waiter);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return true;
  }

  #up(state: BudgetState): void {
    this.#mirror.update(state);
    this.#downSince = undefined;
    if (!this.#reportedDown) return;
    this.#reportedDown = false;
    this.#onStatus({ status: 'available' });
  }

  #down(error: Error): void {
    this.#downSince ??= Date.now();
    if (this.#reportedDown || Date.now() - this.#downSince < REPORT_OUTAGE_AFTER_MS) return;
    this.#reportedDown = true;
    this.#onStatus({ status: 'unavailable', error });
  }
}

/** Spreads the heads of several processes that wait for the same refill over a few ms, so one wins and the rest are not all told to wait again at once. */
function jitter(waitMs: number): number {
  return Math.random() * Math.min(8, 1 + waitMs * 0.1);
}

/** Anything but a script error is the connection or a server not ready (loading, failing over): wait it out. */
function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name !== 'ReplyError') return true;
  return /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)/.test(error.message);
}

const STATUS_LINES: Record<LimiterStatusEvent['status'], string> = {
  unavailable: 'Redis unreachable ({error}); calls wait until it is back',
  available: 'Redis is back, calls resume',
  lost: 'a settle could not reach Redis ({error}); its slot frees itself when it expires',
};

function reportStatus(event: LimiterStatusEvent): void {
  process.stderr.write(`fanyi: shared rate limiter: ${STATUS_LINES[event.status].replace('{error}', event.error?.message ?? '')}\n`);
}
