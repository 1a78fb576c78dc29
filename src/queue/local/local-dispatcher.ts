import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimedBatch } from '../../store/job-store.ts';
import type { Dispatcher, DispatcherParts } from '../dispatcher.ts';
import { workLeasedBatch, type LeaseParts } from '../work-leased-batch.ts';
import { ClaimGrouper } from './claim-grouper.ts';
import { workerId } from './worker-id.ts';

/** The local pool takes the shared dispatcher parts as they are. */
export type LocalDispatcherOptions = DispatcherParts;

/** How often an idle pool looks again while another process holds the job's last batches. */
const LEASE_POLL_MS = 1_000;
/** How often a worker parked by adaptive control checks whether it may work again. */
const PARKED_POLL_MS = 250;

/** In-process worker pool: N loops that claim by (priority, seq) with a lease, run, repeat. */
export class LocalDispatcher implements Dispatcher {
  readonly #o: LocalDispatcherOptions;
  readonly #leaseMs: number;
  readonly #lease: LeaseParts;

  constructor(options: LocalDispatcherOptions) {
    this.#o = options;
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#lease = { store: options.store, handler: options.handler, events: options.events, leaseMs: this.#leaseMs };
  }

  /** Nothing to add: the task table is the local queue, and every open batch in it is claimable. */
  enqueue(): Promise<void> {
    return Promise.resolve();
  }

  async work(jobId: string, batchId: string, worker: string, signal: AbortSignal): Promise<boolean> {
    const batch = await this.#o.store.claimBatchById(jobId, batchId, worker, this.#leaseMs);
    if (!batch) return false;
    await workLeasedBatch(this.#lease, batch, worker, signal);
    return true;
  }

  async run(jobId: string, signal: AbortSignal): Promise<void> {
    await this.enqueue();
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
    try {
      await workLeasedBatch(this.#lease, batch, id, pool.signal);
    } catch (error) {
      // One batch failing stops the run: the other workers hand their batches back too.
      pool.abort(error);
      throw error;
    }
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
