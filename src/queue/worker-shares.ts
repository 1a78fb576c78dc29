/**
 * One endpoint budget for workers that have no Redis to share it in (a PostgreSQL queue without
 * `queue.limits_url`): each worker paces on its share of every endpoint's RPM, TPM, burst and
 * concurrency (EndpointLimiter.setShare), its `--concurrency` over that of every online worker
 * on a lane that calls models, read from the worker registry every second (a worker that starts is
 * counted by the others within a second of registering). Together they stay within the budget. What Redis gives and this does not: a worker's unused share is not lent to
 * the busy ones, and a 429 or a limit learned from headers holds only for the worker that saw it
 * (the provider's `x-ratelimit-remaining` still bounds every worker's level). Workers of other
 * endpoints count too, so a share errs low, never high.
 */
import type { JobStore } from '../store/job-store.ts';
import { EndpointLimiter } from '../limits/endpoint-limiter.ts';
import type { LanePolicies } from '../limits/lane-policy.ts';
import type { LimiterFactory } from '../limits/rate-limiter.ts';
import { workerId } from './local/worker-id.ts';
import { INGESTION_LANE } from './queue-lanes.ts';
import { onlineWorkers } from './worker-registry.ts';

export interface WorkerSharesOptions {
  store: JobStore;
  /** This worker's `--concurrency`. */
  concurrency: number;
  lanes?: LanePolicies;
  /** Its registry id (BullmqWorkerHost's); default this process's. */
  workerId?: string;
  /** How often the registry is read again; default REFRESH_MS. */
  refreshMs?: number;
  /** The share as first read, and each time it changes (default: nothing). */
  onShare?: (share: number, workers: number) => void;
}

/** How often a worker reads the registry again: one small query a second per worker. */
export const REFRESH_MS = 1_000;

export class WorkerShares {
  readonly #o: WorkerSharesOptions;
  readonly #id: string;
  /** Every limiter made, held weakly: the set never keeps a limiter its pool has let go. */
  readonly #limiters = new Set<WeakRef<EndpointLimiter>>();
  #share = 1;
  /** Whether the registry has been read (the first reading is always reported). */
  #read = false;
  #timer?: NodeJS.Timeout;
  #stopped = true;

  constructor(options: WorkerSharesOptions) {
    this.#o = options;
    this.#id = options.workerId ?? workerId(0).replace(/:0$/, '');
  }

  /** This worker's share now, 0..1. */
  get share(): number {
    return this.#share;
  }

  /** Each endpoint's limiter, paced on this worker's share of its budget. */
  readonly limiterFor: LimiterFactory = (endpoint) => {
    const limiter = new EndpointLimiter({ rpm: endpoint.rpm, tpm: endpoint.tpm, maxConcurrency: endpoint.maxConcurrency, lanes: this.#o.lanes });
    limiter.setShare(this.#share);
    this.#limiters.add(new WeakRef(limiter));
    return limiter;
  };

  /** Reads the registry now and then `refreshMs` after each reading ends (never two at once); a failed read keeps the last share. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.refresh().catch(() => undefined);
    const next = () => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => void this.refresh().catch(() => undefined).finally(next), this.#o.refreshMs ?? REFRESH_MS);
      this.#timer.unref();
    };
    next();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** This worker's concurrency over its own and every other online worker's on a lane that calls models. */
  async refresh(): Promise<void> {
    const others = (await onlineWorkers(this.#o.store)).filter((w) => w.workerId !== this.#id && w.lanes.some((lane) => lane !== INGESTION_LANE));
    const mine = Math.max(1, this.#o.concurrency);
    const share = mine / (mine + others.reduce((sum, w) => sum + Math.max(1, w.concurrency), 0));
    if (share === this.#share && this.#read) return;
    this.#read = true;
    this.#share = share;
    for (const ref of this.#limiters) {
      const limiter = ref.deref();
      if (limiter) limiter.setShare(share);
      else this.#limiters.delete(ref);
    }
    this.#o.onShare?.(share, others.length + 1);
  }
}
