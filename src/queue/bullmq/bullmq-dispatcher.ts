import { setTimeout as sleep } from 'node:timers/promises';
import { retryTransient } from '../../store/transient-errors.ts';
import type { JobStore } from '../../store/job-store.ts';
import type { Dispatcher, DispatcherParts } from '../dispatcher.ts';
import { INGESTION_LANE, laneOf, REPORTS_LANE } from '../queue-lanes.ts';
import { WorkGate } from '../work-gate.ts';
import { workLeasedBatch, type LeaseParts } from '../work-leased-batch.ts';
import type { BullmqConnection } from './bullmq-connection.ts';
import { bullJobId, bullPriority, ingestionJobId, REPORT_ENTRY, reportJobId, type BatchRef, type IngestionRef, type JobPriority, type ReportRef } from './bullmq-job-ids.ts';

/**
 * Store lease of a batch worked on through the queue. Shorter than the local pool's 120 s: a
 * worker on another machine cannot be checked for life, so a SIGKILLed worker's batch is free
 * again within this (renewed every 5 s), inside seed 001's 30 s.
 */
export const QUEUE_LEASE_MS = 15_000;
/** How often `run` reads the job's progress from the store. */
const FOLLOW_POLL_MS = 500;
/** How often `run` re-enqueues open batches whose queue entry was lost (Redis restarted empty). */
const RECONCILE_MS = 10_000;
/** Entries per addBulk call. */
const ADD_CHUNK = 1_000;

export interface BullmqDispatcherOptions extends DispatcherParts {
  connection: BullmqConnection;
  /** Called every follow poll while a job waits on workers; true when a worker for `lane` is online. */
  hasWorkers?: (lane: string) => Promise<boolean>;
}

/**
 * One BullMQ queue per lane; a batch is a queue entry ({@link bullJobId}), worked on by any
 * `fanyi worker` through {@link work}. The task table stays the truth: an entry only says which
 * batch to try, the claim in the store decides, and `enqueue` rebuilds lost entries from it.
 */
export class BullmqDispatcher implements Dispatcher {
  readonly #o: BullmqDispatcherOptions;
  readonly #lease: LeaseParts;
  /** How many of this process's entries of the job run at once (adaptive control); the rest wait before their claim. */
  readonly #gate: WorkGate;

  constructor(options: BullmqDispatcherOptions) {
    this.#o = options;
    this.#lease = { store: options.store, handler: options.handler, events: options.events, leaseMs: options.leaseMs ?? QUEUE_LEASE_MS };
    this.#gate = new WorkGate(options.activeWorkers ?? (() => Number.POSITIVE_INFINITY));
  }

  /** Adds an entry for every open batch (addBulk; entries already there stay as they are). */
  enqueue(jobId: string): Promise<void> {
    return enqueueBatches(this.#o.connection, this.#o.store, jobId);
  }

  async work(jobId: string, batchId: string, workerId: string, signal: AbortSignal): Promise<boolean> {
    if (!(await this.#gate.enter(signal))) return false;
    try {
      const batch = await this.#o.store.claimBatchById(jobId, batchId, workerId, this.#lease.leaseMs);
      if (!batch) return false;
      await workLeasedBatch(this.#lease, batch, workerId, signal);
      return true;
    } finally {
      this.#gate.leave();
    }
  }

  /**
   * Enqueues, then follows the job in the store until no runnable batch is left (done, or
   * paused) or `signal` aborts; the workers do the work. Progress is read from the store and
   * emitted as `job:progress`, and lost entries are re-enqueued every {@link RECONCILE_MS}.
   */
  async run(jobId: string, signal: AbortSignal): Promise<void> {
    const { store, events } = this.#o;
    // Every read here is retried over a dropped database connection: following is no reason to fail the job.
    await retryTransient(() => this.enqueue(jobId), signal);
    const lane = laneOf((await retryTransient(() => store.getJob(jobId), signal)) ?? {});
    let reconciled = Date.now();
    let lastSettled = -1;
    let hinted = 0;
    while (!signal.aborted) {
      const counts = await retryTransient(() => store.countByStatus(jobId), signal);
      const settled = counts.completed + counts.needs_review + counts.failed;
      if (settled !== lastSettled) events.emit('job:progress', { jobId, settled, failed: counts.failed, total: counts.total });
      lastSettled = settled;
      if ((await retryTransient(() => store.runnableBatchCount(jobId), signal)) === 0) return;
      if (Date.now() - reconciled >= RECONCILE_MS) {
        reconciled = Date.now();
        await this.enqueue(jobId).catch(() => undefined);
      }
      const hasWorkers = this.#o.hasWorkers;
      if (hasWorkers && Date.now() - hinted >= RECONCILE_MS && !(await retryTransient(() => hasWorkers(lane), signal))) {
        hinted = Date.now();
        events.emit('queue:idle', { jobId, lane });
      }
      await sleep(FOLLOW_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}

/**
 * Adds a queue entry for every open batch of the job to its lane's queue, in (priority, seq)
 * order, ranked by the job's priority. Idempotent: an entry whose id is already in the queue is
 * left as it is.
 */
export async function enqueueBatches(connection: BullmqConnection, store: JobStore, jobId: string): Promise<void> {
  const job = await store.getJob(jobId);
  if (!job) return;
  const priority = (JSON.parse(job.options) as { priority?: JobPriority }).priority;
  const queue = connection.queue(laneOf(job));
  const batches = await store.openBatches(jobId);
  for (let i = 0; i < batches.length; i += ADD_CHUNK) {
    const entries = batches.slice(i, i + ADD_CHUNK).map((b) => {
      const ref: BatchRef = { jobId, batchId: b.batchId };
      return { name: 'batch', data: ref, opts: { jobId: bullJobId(ref), priority: bullPriority(priority, b.priority), ...ENTRY_OPTIONS } };
    });
    await queue.addBulk(entries);
  }
}

/** The `ingestion` lane's entry for a job stored `analyzing` (Engine.submitJob); idempotent by id. */
export async function enqueueIngestion(connection: BullmqConnection, jobId: string): Promise<void> {
  const ref: IngestionRef = { jobId };
  await connection.queue(INGESTION_LANE).add('ingest', ref, { jobId: ingestionJobId(jobId), ...ENTRY_OPTIONS });
}

/** A report to make on the `reports` lane (JobReports.request); one entry per request. */
export async function enqueueReport(connection: BullmqConnection, ref: ReportRef): Promise<void> {
  await connection.queue(REPORTS_LANE).add(REPORT_ENTRY, ref, { jobId: reportJobId(ref), ...ENTRY_OPTIONS });
}

/**
 * Finished entries are removed, so a batch handed back can be queued again under its id. A
 * processor that hands its batch back (shutdown) throws, and BullMQ retries the entry elsewhere
 * a second later: attempts never run out, since the task table decides when a batch is done.
 */
const ENTRY_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1_000_000_000, backoff: { type: 'fixed', delay: 1_000 } } as const;
