import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { RateLimitSnapshot } from '../rate-limit-headers.ts';
import { MAX_RATIO, MIN_RATIO, RATIO_MEMORY, type Learned } from '../estimate-ratio.ts';

/** The name the script is registered under on a connection (ioredis defineCommand: EVALSHA, EVAL on NOSCRIPT). */
const COMMAND = 'fanyiEndpointBudget';

/** An endpoint's shared budget as the script left it (see endpoint-budget.lua for the fields). */
export interface BudgetState {
  granted: boolean;
  /** Milliseconds until the call could go; -1 while blocked until some call settles (concurrency, slow start). */
  waitMs: number;
  /** Redis's clock when it answered, in ms: the time every other field is on. */
  now: number;
  rpm: number;
  tpm: number;
  requestCapacity: number;
  tokenCapacity: number;
  requestLevel: number;
  tokenLevel: number;
  pausedUntil: number;
  /** Calls in flight on every worker (expired slots of dead workers pruned). */
  inFlight: number;
  /** The lane whose waiting call goes next across all workers (acquire only; '' otherwise). */
  servedLane: string;
  learned: Map<string, Learned>;
}

/** What one worker has waiting on one lane, as the script is told it (lane-policy.ts). */
export interface WaitingLane {
  lane: string;
  priority: number;
  reservedShare: number;
  /** Calls of the lane waiting in this worker. */
  calls: number;
  /** Tokens its first waiting call reserves. */
  firstTokens: number;
  /** How long its first waiting call has waited, in ms (durations, not times: workers' clocks disagree). */
  firstWaitedMs: number;
}

/** Who asks for a call, on which lane, and what else it has waiting (endpoint-budget.lua acquire). */
export interface AcquireArgs {
  id: string;
  kind: string;
  tokens: number;
  maxConcurrency: number;
  headroom: number;
  slotTtlMs: number;
  lane: string;
  /** This limiter's id among the workers (its waiting entries are its own). */
  worker: string;
  /** A worker's waiting entries lapse this long after it last said so. */
  waitingTtlMs: number;
  /** Every lane this worker has calls waiting on, the asking call's included. */
  waiting: WaitingLane[];
}

/** What every call of the script carries: the endpoint's keys and its configured limits. */
export interface BudgetConfig {
  /** `<prefix>:{<endpoint id>}`: the braces keep an endpoint's keys in one Redis Cluster slot. */
  key: string;
  rpm: number;
  tpm: number;
  burstMs: number;
  /** An endpoint nobody touched for this long is forgotten (its learned limits with it). */
  idleTtlMs: number;
}

export interface SettleArgs {
  id: string;
  kind: string;
  reserved: number;
  estimate: number;
  /** Undefined: unknown (a timeout may have been billed), the reservation stands. */
  usedTokens?: number;
  rateLimit?: RateLimitSnapshot;
  callMs: number;
}

type ScriptCall = (...args: (string | number)[]) => Promise<string[]>;

/**
 * The typed face of endpoint-budget.lua on one connection. Each method is one atomic script call
 * returning the budget as it stands afterwards, which the limiter mirrors for `snapshot()`.
 */
export class RedisBudgetScript {
  readonly #call: ScriptCall;
  readonly #config: BudgetConfig;

  constructor(redis: Redis, config: BudgetConfig) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 6, lua: readFileSync(new URL('./endpoint-budget.lua', import.meta.url), 'utf8') });
    this.#call = (redis as unknown as Record<string, ScriptCall>)[COMMAND].bind(redis);
    this.#config = config;
  }

  acquire(a: AcquireArgs): Promise<BudgetState> {
    const concurrency = Number.isFinite(a.maxConcurrency) ? a.maxConcurrency : 0;
    return this.#run('acquire', a.id, a.kind, a.tokens, concurrency, a.headroom, a.slotTtlMs, a.lane, a.worker, a.waitingTtlMs, ...waitingArgs(a.waiting));
  }

  /** Replaces what `worker` has waiting (nothing: it waits on no lane now), so other workers' calls need not defer to it. */
  waiting(worker: string, waitingTtlMs: number, waiting: WaitingLane[]): Promise<BudgetState> {
    return this.#run('waiting', worker, waitingTtlMs, ...waitingArgs(waiting));
  }

  settle(args: SettleArgs): Promise<BudgetState> {
    const h = args.rateLimit ?? {};
    const headers = [h.limitRequests, h.remainingRequests, h.resetRequestsMs, h.limitTokens, h.remainingTokens, h.resetTokensMs].map(orAbsent);
    return this.#run('settle', args.id, args.kind, args.reserved, orAbsent(args.usedTokens), args.estimate, Math.max(0, args.callMs), ...headers, MIN_RATIO, MAX_RATIO, RATIO_MEMORY);
  }

  pause(ms: number): Promise<BudgetState> {
    return this.#run('pause', Math.max(0, Math.ceil(ms)));
  }

  renew(ids: string[], slotTtlMs: number): Promise<BudgetState> {
    return this.#run('renew', slotTtlMs, ...ids);
  }

  peek(): Promise<BudgetState> {
    return this.#run('peek');
  }

  async #run(op: string, ...args: (string | number)[]): Promise<BudgetState> {
    const { key, rpm, tpm, burstMs, idleTtlMs } = this.#config;
    const keys = ['budget', 'slots', 'learned', 'probes', 'waiting', 'credits'].map((name) => `${key}:${name}`);
    return parseState(await this.#call(...keys, op, rpm, tpm, burstMs, idleTtlMs, ...args));
  }
}

function waitingArgs(waiting: WaitingLane[]): (string | number)[] {
  return waiting.flatMap((w) => [w.lane, w.priority, w.reservedShare, w.calls, Math.ceil(w.firstTokens), Math.max(0, Math.round(w.firstWaitedMs))]);
}

function orAbsent(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? -1 : value;
}

function parseState(reply: string[]): BudgetState {
  const n = reply.slice(0, 11).map(Number);
  const learned = new Map<string, Learned>();
  for (let i = 12; i + 2 < reply.length; i += 3) learned.set(reply[i], { ratio: Number(reply[i + 1]), replies: Number(reply[i + 2]) });
  return {
    granted: n[0] === 1,
    waitMs: n[1],
    now: n[2],
    rpm: n[3],
    tpm: n[4],
    requestCapacity: n[5],
    tokenCapacity: n[6],
    requestLevel: n[7],
    tokenLevel: n[8],
    pausedUntil: n[9],
    inFlight: n[10],
    servedLane: reply[11],
    learned,
  };
}
