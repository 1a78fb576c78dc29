import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { ControlReport, ControlState, ControlTick, ControlWindow, SharedSettings } from '../control-state.ts';
import type { LimitedEndpoint } from '../rate-limiter.ts';
import { endpointId } from './redis-shared-limiters.ts';

/** The name the script is registered under on the connection (ioredis defineCommand). */
const COMMAND = 'fanyiControlPeriod';
const SAVE_COMMAND = 'fanyiControlSave';
const WINDOW_FIELDS = ['attempts', 'errors', 'rateLimited', 'answered', 'ms', 'tokens', 'waitMs', 'inFlight'] as const;
/** How long a report waits for the first connection to be made: the connection still being made at start is no outage. */
const FIRST_CONNECT_WAIT_MS = 1_000;

export interface RedisControlStateOptions {
  /** `redis://…`, the shared limiter's (queue.limits_url, or the queue's URL); never logged. */
  redisUrl: string;
  /** Prefix of every key: `<queue.prefix>:control`, beside the limiter's `<queue.prefix>:limits`. */
  prefix: string;
  /** Members and settings of an endpoint nobody reported on for this long expire. Default 15 min. */
  idleTtlMs?: number;
  /** Redis went away or came back; default: one line on stderr each time. */
  onStatus?: (status: 'unavailable' | 'available', error?: Error) => void;
}

/**
 * Adaptive control's shared state in Redis (control-period.lua): per endpoint, a window per
 * period, its live members with their ceilings, who evaluates each period, and the settings the
 * evaluations stored. Its own connection, failing fast while Redis is down (no offline queue):
 * the controls then decide on their own calls, and an outage is reported once, not per control.
 */
export class RedisControlState implements ControlState {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #idleTtlMs: number;
  readonly #onStatus: NonNullable<RedisControlStateOptions['onStatus']>;
  /** Resolves when the connection is first ready (never, if Redis never answers). */
  readonly #firstReady: Promise<void>;
  #wasReady = false;
  #isDown = false;
  #closed = false;

  constructor(options: RedisControlStateOptions) {
    this.#redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // Outages are reported by #tracked, once; without a listener ioredis would print every failed reconnect.
    this.#redis.on('error', () => {});
    this.#firstReady = new Promise((resolve) => {
      this.#redis.once('ready', () => {
        this.#wasReady = true;
        resolve();
      });
    });
    this.#redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: readFileSync(new URL('./control-period.lua', import.meta.url), 'utf8') });
    this.#redis.defineCommand(SAVE_COMMAND, { numberOfKeys: 1, lua: readFileSync(new URL('./control-save.lua', import.meta.url), 'utf8') });
    this.#prefix = options.prefix;
    this.#idleTtlMs = options.idleTtlMs ?? 15 * 60_000;
    this.#onStatus = options.onStatus ?? reportStatus;
  }

  async report(r: ControlReport): Promise<ControlTick> {
    const o = r.observed;
    const counts = WINDOW_FIELDS.map((field) => Math.round(o[field]));
    const call = (this.#redis as unknown as Record<string, (...args: (string | number)[]) => Promise<string[]>>)[COMMAND];
    const reply = await this.#tracked(() => call.call(this.#redis, this.#base(r.scope), r.intervalMs, r.now ?? -1, r.member.id, r.member.ceiling, r.jobId, this.#idleTtlMs, ...counts));
    return parseTick(reply, r.intervalMs);
  }

  async save(scope: string, settings: SharedSettings, version: number): Promise<boolean> {
    const call = (this.#redis as unknown as Record<string, (...args: (string | number)[]) => Promise<number>>)[SAVE_COMMAND];
    const workers = settings.workers === null ? '' : String(settings.workers);
    return (await this.#tracked(() => call.call(this.#redis, `${this.#base(scope)}:settings`, String(settings.batchFactor), workers, version, this.#idleTtlMs))) === 1;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #base(scope: string): string {
    return `${this.#prefix}:{${scope}}`;
  }

  async #tracked<T>(command: () => Promise<T>): Promise<T> {
    if (!this.#wasReady) await Promise.race([this.#firstReady, sleep(FIRST_CONNECT_WAIT_MS, undefined, { ref: false })]);
    try {
      const result = await command();
      if (this.#isDown) {
        this.#isDown = false;
        this.#onStatus('available');
      }
      return result;
    } catch (error) {
      // A report cut short by closing at shutdown is no outage.
      if (!this.#isDown && !this.#closed) {
        this.#isDown = true;
        this.#onStatus('unavailable', error as Error);
      }
      throw error;
    }
  }
}

/**
 * The control scope of a job: its endpoints, identified as their limiters' budgets are (the id
 * of the one endpoint, as most jobs have; a hash of the sorted ids for several).
 */
export function controlScope(endpoints: Array<Pick<LimitedEndpoint, 'baseUrl' | 'model' | 'apiKeyEnv' | 'name'>>): string {
  const ids = [...new Set(endpoints.map(endpointId))].sort();
  if (ids.length === 1) return ids[0];
  return createHash('sha256').update(ids.join('+')).digest('hex').slice(0, 16);
}

function parseTick(reply: string[], intervalMs: number): ControlTick {
  let at = 0;
  const next = () => reply[at++];
  const period = Number(next());
  const isLead = next() === '1';
  const factor = next();
  const workers = next();
  const version = Number(next() || 0);
  const members = Array.from({ length: Number(next()) }, () => ({ id: next(), ceiling: Number(next()) }));
  const tick: ControlTick = { period, members, version, settings: factor ? { batchFactor: Number(factor), workers: workers ? Number(workers) : null } : undefined };
  if (!isLead) return tick;
  const sums = Object.fromEntries(WINDOW_FIELDS.map((field) => [field, Number(next())])) as Omit<ControlWindow, 'waiting'>;
  const window: ControlWindow = { ...sums, waiting: Math.floor(sums.waitMs / intervalMs) };
  return { ...tick, lead: { window, jobs: reply.slice(at) } };
}

function reportStatus(status: 'unavailable' | 'available', error?: Error): void {
  const line = status === 'unavailable'
    ? `Redis unreachable (${error?.message ?? 'no reply'}); each process adapts to its own calls until it is back`
    : 'Redis is back; adaptive control is shared by every process again';
  process.stderr.write(`fanyi: shared adaptive control: ${line}\n`);
}
