import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchRunner } from '../../executor/run-batch.ts';
import type { EngineEvents } from '../../monitor/engine-events.ts';
import type { ClaimedBatch, JobStore } from '../../store/job-store.ts';
import type { Dispatcher } from '../dispatcher.ts';
import { ClaimGrouper } from './claim-grouper.ts';
import { workerId } from './worker-id.ts';

export interface LocalDispatcherOptions {
  store: JobStore;
  runner: BatchRunner;
  events: EngineEvents;
  /** Most workers that may claim batches at once (the pool's size). */
  concurrency: number;
  /** Workers allowed to claim right now (adaptive control); the rest idle. Default: all. */
  activeWorkers?: () => number;
  /**
   * How long a claim holds a batch. A live worker renews it every third of this; a dead one lets
   * it run out, and any worker may then take the batch over. Default 120 s.
   */
  leaseMs?: number;
}

/** How often an idle pool looks again while another process holds the job's last batches. */
const LEASE_POLL_MS = 1_000;
/** How often a worker parked by adaptive control checks whether it may work again. */
const PARKED_POLL_MS = 250;

/** In-process worker pool: N loops that claim by (priority, seq) with a lease, run, repeat. */
export class LocalDispatcher implements Dispatcher {
  readonly #o: LocalDispatcherOptions;
  readonly #leaseMs: number;

  constructor(options: LocalDispatcherOptions) {
    this.#o = options;
    this.#leaseMs = options.leaseMs ?? 120_000;
  }

  async run(jobId: string, signal: AbortSignal): Promise<void> {
    const pool = new AbortController();
    // Every in-flight call and wait listens on the pool's signal.
    setMaxListeners(0, pool.signal);
    const stop = () => pool.abort(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    const state: PoolState = { inFlight: 0, done: false, wake: new Set<() => void>(), claims: new ClaimGrouper(this.#o.store, jobId, this.#leaseMs) };
    pool.signal.addEventListener('abort', () => notifyAll(state), { once: true });
    try {
      const workers = Array.from({ length: this.#o.concurrency }, (_, n) => this.#worker(jobId, n, pool, state));
      // allSettled: when one worker fails, the others still release their batches before we return.
      const failed = (await Promise.allSettled(workers)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  async #worker(jobId: string, n: number, pool: AbortController, state: PoolState): Promise<void> {
    const id = workerId(n);
    while (!pool.signal.aborted) {
      if (n >= (this.#o.activeWorkers?.() ?? Number.POSITIVE_INFINITY)) {
        // Parked, but not forever: with nothing left to claim, the active workers end the run.
        if (state.done) return;
        await sleep(PARKED_POLL_MS, undefined, { signal: pool.signal }).catch(() => undefined);
        continue;
      }
      const batch = await state.claims.claim(id);
      if (!batch) {
        // Nothing claimable now; a batch still running elsewhere in the pool may yet be handed back.
        if (state.inFlight > 0) {
          await new Promise<void>((resolve) => state.wake.add(resolve));
          continue;
        }
        // Another process may hold live leases: wait for it to finish them or for the leases to run out.
        // Batches of paused groups (or of a paused or cancelled job) do not count: they wait for a
        // resume, and the run ends with them open (the engine then stores the job as paused).
        if ((await this.#o.store.runnableBatchCount(jobId)) === 0) {
          state.done = true;
          return notifyAll(state);
        }
        await sleep(LEASE_POLL_MS, undefined, { signal: pool.signal }).catch(() => undefined);
        continue;
      }
      state.inFlight++;
      try {
        await this.#runClaimed(batch, id, pool);
      } finally {
        state.inFlight--;
        notifyAll(state);
      }
    }
  }

  async #runClaimed(batch: ClaimedBatch, id: string, pool: AbortController): Promise<void> {
    const { store, runner, events } = this.#o;
    events.emit('batch:claimed', { jobId: batch.jobId, batchId: batch.batchId, workerId: id, items: batch.items.length });
    const renew = setInterval(() => void store.renewLease(batch.jobId, batch.batchId, id, this.#leaseMs).catch(() => undefined), this.#leaseMs / 3);
    try {
      await runner.run(batch, id, pool.signal);
    } catch (error) {
      pool.abort(error);
      throw error;
    } finally {
      clearInterval(renew);
      // Interrupted: hand the batch back now rather than making a resume wait for the lease.
      if (pool.signal.aborted) await store.releaseBatch(batch.jobId, batch.batchId, id).catch(() => undefined);
    }
    events.emit('batch:finished', { jobId: batch.jobId, batchId: batch.batchId, workerId: id });
  }
}

interface PoolState {
  inFlight: number;
  /** Nothing claimable is left in the job (done, or only paused work): parked workers may end too. */
  done: boolean;
  wake: Set<() => void>;
  claims: ClaimGrouper;
}

function notifyAll(state: PoolState): void {
  for (const wake of state.wake) wake();
  state.wake.clear();
}
