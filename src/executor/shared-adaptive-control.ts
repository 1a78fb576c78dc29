import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ControlMember, ControlState, ControlTick, ControlWindow, SharedSettings } from '../limits/control-state.ts';
import { decide, type Adjustment, type ControlSettings } from './adaptive-rules.ts';
import { CallWindow, sampleLimiters } from './call-window.ts';
import type { JobControl, JobControlOptions } from './job-control.ts';

export interface SharedAdaptiveControlOptions extends JobControlOptions {
  state: ControlState;
  /** The job's endpoints (limits/redis/redis-control-state.ts controlScope): every process on them shares one control. */
  scope: string;
  /** Most batches of the job this process works on at once: a queue worker's `--concurrency`. */
  ceiling: number;
  /** The clock periods are counted on; default the shared state's own (Redis's). */
  now?: () => number;
}

/** A process that saw no call of the job for this many periods has left it: it neither reports nor evaluates. */
const IDLE_PERIODS = 3;

/**
 * Seed 000 §2.2 acted on per endpoint, not per process. Every period each process working on the
 * job adds its calls to the endpoint's shared window; one of them (the first to report in the
 * period) evaluates the previous period's window of every process with the rules of
 * adaptive-rules.ts, stores the settings and emits the adjustments, once, for each job whose calls
 * were in the window; every process applies the stored settings when it next reports.
 *
 * "Workers" across processes: the stored `workers` is the number of batches in flight on the
 * endpoint across the cluster, counted from the sum of the live processes' ceilings (each one's
 * `--concurrency`: no cap, as without control). A 429 or queuing at the limiter takes one away
 * from the cluster, not from each process; each process works on its share of the total (split
 * evenly, never above its own ceiling, at least one). "Two more" only gives back what was taken:
 * a worker never runs more than its `--concurrency`. Calls queuing at the limiter are the mean
 * over the period (ControlWindow.waiting), not instant samples of every process summed.
 *
 * Shared state unreachable: each process decides on its own calls (as AdaptiveControl does), from
 * the settings it had, until the state answers again; the state reports the outage once.
 */
export class SharedAdaptiveControl implements JobControl {
  readonly #o: SharedAdaptiveControlOptions;
  readonly #calls: CallWindow;
  readonly #member: ControlMember;
  #batchFactor = 1;
  #workers: number;
  #timer: NodeJS.Timeout | undefined;
  #evaluating: Promise<void> | undefined;

  constructor(options: SharedAdaptiveControlOptions) {
    this.#o = options;
    this.#calls = new CallWindow(options.events, options.jobId);
    this.#member = { id: `${hostname()}:${process.pid}:${options.jobId}:${randomUUID().slice(0, 8)}`, ceiling: options.ceiling };
    this.#workers = options.ceiling;
  }

  get workers(): number {
    return this.#workers;
  }

  get maxWorkers(): number {
    return this.#o.ceiling;
  }

  itemsPerCall(batchSize: number): number {
    return Math.max(1, Math.floor(batchSize * this.#batchFactor));
  }

  start(): void {
    this.#calls.attach();
    if (this.#o.enabled !== false) this.#timer = setInterval(() => void this.evaluate(), this.#intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#calls.detach();
  }

  /** One period: report, evaluate if it is this process's turn, apply (public so tests can step it). */
  evaluate(): Promise<void> {
    // A report still waiting on a slow Redis: this period's calls go into the next one.
    this.#evaluating ??= this.#evaluate().finally(() => (this.#evaluating = undefined));
    return this.#evaluating;
  }

  get #intervalMs(): number {
    return this.#o.intervalMs ?? 5_000;
  }

  async #evaluate(): Promise<void> {
    const observed = { ...this.#calls.take(), ...sampleLimiters(this.#o.endpoints()) };
    if (!this.#isWorking(observed)) return;
    let tick: ControlTick;
    try {
      tick = await this.#o.state.report({ scope: this.#o.scope, intervalMs: this.#intervalMs, member: this.#member, jobId: this.#o.jobId, observed, now: this.#o.now?.() });
    } catch {
      return this.#decideAlone(observed);
    }
    if (tick.lead) await this.#lead(tick, tick.lead);
    else this.#apply(tick.settings, tick.members);
  }

  /** Calls ended or wait here now, or did within the last few periods (a long call is still under way). */
  #isWorking(observed: ControlWindow): boolean {
    return observed.attempts > 0 || observed.waiting > 0 || Date.now() - this.#calls.lastCallAt < IDLE_PERIODS * this.#intervalMs;
  }

  async #lead(tick: ControlTick, lead: NonNullable<ControlTick['lead']>): Promise<void> {
    const capacity = tick.members.reduce((n, m) => n + m.ceiling, 0);
    // Nothing stored (the first period, or a Redis that came back empty): start from this
    // process's own settings, which may hold what it learned alone during an outage.
    const stored = tick.settings ?? { batchFactor: this.#batchFactor, workers: null };
    const bounds = { minWorkers: tick.members.length, maxWorkers: capacity, batchTokenBudget: this.#o.batchTokenBudget };
    // Workers joined or left since it was stored: the cap counts from within the live ones' bounds.
    const workers = Math.min(capacity, Math.max(bounds.minWorkers, stored.workers ?? capacity));
    const current: ControlSettings = { batchFactor: stored.batchFactor, workers };
    const { settings, changes } = decide(lead.window, current, bounds);
    // At the live processes' capacity the cap is lifted: a worker that joins later is not held to it.
    const next: SharedSettings = { batchFactor: settings.batchFactor, workers: settings.workers >= capacity ? null : settings.workers };
    if (changes.length || !tick.settings) {
      let saved: boolean;
      try {
        saved = await this.#o.state.save(this.#o.scope, next, tick.version);
      } catch {
        return this.#apply(tick.settings, tick.members);
      }
      // A later period's evaluation stored first (this one was slow): it stands, and this one,
      // made from the settings before it, is dropped; this process applies it at its next report.
      if (!saved) return;
    }
    const jobs = lead.jobs.length ? lead.jobs : [this.#o.jobId];
    for (const change of changes) for (const jobId of jobs) this.#emit(jobId, change, tick.period);
    this.#apply(next, tick.members);
  }

  /** The stored settings, this process's share of the workers; nothing stored yet: its own stand. */
  #apply(settings: SharedSettings | undefined, members: ControlMember[]): void {
    if (!settings) return;
    this.#batchFactor = settings.batchFactor;
    this.#workers = shareOf(settings.workers, members, this.#member);
  }

  /** AdaptiveControl's decision on this process's calls alone, within its own ceiling. */
  #decideAlone(observed: ControlWindow): void {
    const bounds = { minWorkers: 1, maxWorkers: this.#o.ceiling, batchTokenBudget: this.#o.batchTokenBudget };
    const { settings, changes } = decide(observed, { batchFactor: this.#batchFactor, workers: this.#workers }, bounds);
    this.#batchFactor = settings.batchFactor;
    this.#workers = settings.workers;
    for (const change of changes) this.#emit(this.#o.jobId, { ...change, reason: `${change.reason} (this process alone: shared state unreachable)` });
  }

  #emit(jobId: string, change: Adjustment, period?: number): void {
    this.#o.events.emit('control:adjusted', { jobId, ...change, ...(period === undefined ? {} : { period }) });
  }
}

/**
 * This member's part of `total` batches in flight across `members` (null: no cap, its own
 * ceiling): split evenly, members with smaller ceilings first so what they cannot take goes to
 * the others, at least one each. Every process computes it from the same list and gets the same split.
 */
export function shareOf(total: number | null, members: ControlMember[], me: ControlMember): number {
  if (total === null) return me.ceiling;
  const all = members.some((m) => m.id === me.id) ? members : [...members, me];
  const ordered = [...all].sort((a, b) => a.ceiling - b.ceiling || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let left = total;
  for (const [i, member] of ordered.entries()) {
    const share = Math.max(1, Math.min(member.ceiling, Math.ceil(left / (ordered.length - i))));
    if (member.id === me.id) return share;
    left -= share;
  }
  return me.ceiling;
}
