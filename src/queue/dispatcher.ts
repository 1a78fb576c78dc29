import type { EngineEvents } from '../monitor/engine-events.ts';
import type { ClaimedBatch, JobStore } from '../store/job-store.ts';

/**
 * Works on one leased batch to the end: commits its results, fails what cannot succeed, finishes
 * the batch (executor/run-batch.ts BatchRunner). The lease is not its concern: the dispatcher
 * takes it, renews it and hands it back.
 */
export interface BatchHandler {
  run(batch: ClaimedBatch, workerId: string, signal: AbortSignal): Promise<void>;
}

/** What one run of a job gives its dispatcher. */
export interface DispatcherParts {
  store: JobStore;
  handler: BatchHandler;
  events: EngineEvents;
  /** Most batches this process works on at once (the local pool's size, a queue worker's concurrency). */
  concurrency: number;
  /** How many of them may work right now (adaptive control); the rest idle. Default: all. */
  activeWorkers?: () => number;
  /**
   * How long a claim holds a batch. A live worker renews it every third of this; a dead one lets
   * it run out, and any worker may then take the batch over. Default 120 s.
   */
  leaseMs?: number;
}

/**
 * Builds the dispatcher of one run of a job. The engine sees only this; a preset wires the back
 * end (presets.ts: the local pool for an embedded engine).
 */
export type DispatcherFactory = (parts: DispatcherParts) => Dispatcher;

/**
 * Hands a job's batches to workers. The task table stays the one source of truth: a queue only
 * says which batch to work on next, and a batch is worked on only under a lease taken from the
 * store (JobStore.claimBatch / claimBatchById), so a batch enqueued twice or handed out twice
 * still runs once. `local` runs an in-process pool over the store; a queue back end (BullMQ)
 * adds one queue entry per batch and calls `work` from its processor, on any machine.
 */
export interface Dispatcher {
  /**
   * Makes every open batch of the job available to workers. Idempotent: enqueueing again adds
   * nothing that is already queued. Local: nothing to do, the task table is the queue.
   */
  enqueue(jobId: string): Promise<void>;
  /**
   * Leases the batch `batchId` and works on it to the end as `workerId`, renewing the lease
   * meanwhile and handing it back if `signal` aborts or the work fails. Resolves false, having
   * done nothing, when the batch is not claimable (done, leased by a live worker, paused).
   */
  work(jobId: string, batchId: string, workerId: string, signal: AbortSignal): Promise<boolean>;
  /**
   * Enqueues the job, then resolves when no runnable batch of it is left, or when `signal` aborts
   * (claimed batches are released). Local: this process's workers run the batches meanwhile.
   */
  run(jobId: string, signal: AbortSignal): Promise<void>;
}

/**
 * Reaches every process working on a job, on any machine (a queue back end's broadcast): the
 * store stops claims everywhere, but only the process holding a call can abort it. Each process
 * aborts its own in-flight calls for the job when told.
 */
export interface CancelBroadcast {
  publish(jobId: string): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: (jobId: string) => void): () => void;
}
