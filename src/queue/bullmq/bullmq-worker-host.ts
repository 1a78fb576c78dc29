import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError, type Job, type Worker } from 'bullmq';
import type { JobStore } from '../../store/job-store.ts';
import { isStatusIn, STOPPED_JOB_STATUSES } from '../../store/statuses.ts';
import type { CancelBroadcast } from '../dispatcher.ts';
import { workerId } from '../local/worker-id.ts';
import { INGESTION_LANE, laneOf } from '../queue-lanes.ts';
import { WorkerHeartbeat } from '../worker-registry.ts';
import type { BullmqConnection } from './bullmq-connection.ts';
import { REPORT_ENTRY, type BatchRef, type IngestionRef, type ReportRef } from './bullmq-job-ids.ts';

/**
 * BullMQ's lock on an entry being worked on: renewed every half of it by the worker; a worker
 * killed stops renewing, and the stalled check of any other worker (every {@link STALLED_INTERVAL_MS})
 * puts the entry back within LOCK_MS + STALLED_INTERVAL_MS = 15 s. The store lease
 * (QUEUE_LEASE_MS, 15 s) runs out by then too, so the batch runs again elsewhere within ~15 s.
 */
const LOCK_MS = 10_000;
const STALLED_INTERVAL_MS = 5_000;
/** How often a worker re-enqueues the open batches of running jobs whose entries were lost. */
const RECONCILE_MS = 10_000;
/** The entry states that count as queued or worked on, for the reconcile. */
const LIVE_STATES = ['wait', 'prioritized', 'active', 'delayed', 'waiting-children'] as const;

export interface BullmqWorkerHostOptions {
  connection: BullmqConnection;
  store: JobStore;
  lanes: string[];
  concurrency: number;
  name: string;
  /** Leases the batch and works on it to the end (Engine.workBatch); false when not claimable. */
  work(ref: BatchRef, workerId: string, signal: AbortSignal): Promise<boolean>;
  /** Adds entries for a job's open batches (the dispatcher's enqueue), for the reconcile. */
  enqueue(jobId: string): Promise<void>;
  /** Prepares a job stored `analyzing` (Engine.ingestJob): the `ingestion` lane's work. */
  ingest?(jobId: string): Promise<void>;
  /** Makes a report (JobReports.work): the `reports` lane's report entries; its outcome is recorded, not thrown. */
  report?(ref: ReportRef): Promise<void>;
  /** Adds the ingestion entry of a job stored `analyzing`, for the reconcile. */
  enqueueIngestion?(jobId: string): Promise<void>;
  cancels?: CancelBroadcast;
  /**
   * The worker waits a random 0 to this many ms before it takes its first entry (seed 003 §B:
   * many workers restarted at once do not hit the endpoint in the same instant; config
   * `queue.start_jitter_ms`). Default 0.
   */
  startJitterMs?: number;
  /** A line for the worker's log (stderr). */
  log?(line: string): void;
}

interface Active {
  ref: BatchRef;
  controller: AbortController;
}

/**
 * One `fanyi worker` process: a BullMQ worker per lane, calling `work` for each entry; its row in
 * the worker registry; the reconcile that rebuilds lost entries from the task table; and the cancel
 * subscription that aborts this process's in-flight calls of a cancelled job.
 */
export class BullmqWorkerHost {
  readonly id: string;
  readonly #o: BullmqWorkerHostOptions;
  readonly #active = new Map<string, Active>();
  readonly #freeSlots: number[];
  readonly #workers: Worker[] = [];
  readonly #heartbeat: WorkerHeartbeat;
  #reconcileTimer?: NodeJS.Timeout;
  #unsubscribe?: () => void;

  constructor(options: BullmqWorkerHostOptions) {
    this.#o = options;
    this.id = workerId(0).replace(/:0$/, '');
    this.#freeSlots = Array.from({ length: options.concurrency }, (_, n) => n);
    const info = { workerId: this.id, name: options.name, host: hostname(), pid: process.pid, lanes: options.lanes, concurrency: options.concurrency, startedAt: Date.now() };
    this.#heartbeat = new WorkerHeartbeat(options.store, info, () => [...this.#active.values()].map((a) => a.ref));
  }

  get activeBatches(): BatchRef[] {
    return [...this.#active.values()].map((a) => a.ref);
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#o.cancels?.subscribe((jobId) => this.#abortJob(jobId, new Error('job cancelled')));
    await this.#heartbeat.start();
    // Registered first, so a submitter sees a worker coming rather than none.
    await sleep(Math.random() * (this.#o.startJitterMs ?? 0));
    const options = { concurrency: this.#o.concurrency, lockDuration: LOCK_MS, stalledInterval: STALLED_INTERVAL_MS, maxStalledCount: 1_000_000_000 };
    for (const lane of this.#o.lanes) {
      const isIngestion = lane === INGESTION_LANE;
      // Analysis is CPU work in this process: two at a time keep the file reads and store writes
      // overlapped without starving the translation lane's calls.
      const laneOptions = isIngestion ? { ...options, concurrency: Math.min(2, this.#o.concurrency) } : options;
      const worker = this.#o.connection.worker(lane, (job: Job) => (isIngestion ? this.#ingest(job) : job.name === REPORT_ENTRY ? this.#report(job) : this.#process(job)), laneOptions);
      worker.on('error', (error) => this.#o.log?.(`queue error (retrying): ${error.message}`));
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
    // At once too: after Redis came back empty, every worker restarting should find the lost entries now.
    void this.reconcile().catch((error: Error) => this.#o.log?.(`reconcile failed: ${error.message}`));
    this.#reconcileTimer = setInterval(() => void this.reconcile().catch((error: Error) => this.#o.log?.(`reconcile failed: ${error.message}`)), RECONCILE_MS);
    this.#reconcileTimer.unref();
  }

  /**
   * Stops taking entries and lets the batches in hand finish for up to `drainMs`; what is still
   * running then is aborted and handed back (its entry retried by another worker), its committed
   * results kept. Removes the registry row.
   */
  async stop(drainMs: number): Promise<void> {
    clearInterval(this.#reconcileTimer);
    this.#unsubscribe?.();
    const closing = Promise.all(this.#workers.map((w) => w.close()));
    const timer = setTimeout(() => {
      for (const active of this.#active.values()) active.controller.abort(new Error('worker shutting down'));
    }, drainMs);
    await closing;
    clearTimeout(timer);
    await this.#heartbeat.stop();
  }

  /**
   * Re-enqueues the open batches of running jobs when the lane holds fewer entries than the task
   * table has open batches (entries lost with a Redis that restarted empty). Idempotent: entries
   * still there are left as they are.
   */
  async reconcile(): Promise<void> {
    const { store, connection } = this.#o;
    const active = await store.listJobs({ active: true });
    if (this.#o.lanes.includes(INGESTION_LANE) && this.#o.enqueueIngestion) {
      for (const job of active.filter((j) => j.status === 'analyzing')) await this.#o.enqueueIngestion(job.job_id);
    }
    const jobs = active.filter((j) => (j.status === 'running' || j.status === 'queued') && this.#o.lanes.includes(laneOf(j)));
    for (const lane of this.#o.lanes) {
      const laneJobs = jobs.filter((j) => laneOf(j) === lane);
      if (!laneJobs.length) continue;
      const counts = await connection.queue(lane).getJobCounts(...LIVE_STATES);
      const queued = Object.values(counts).reduce((a, b) => a + b, 0);
      let open = 0;
      for (const job of laneJobs) open += await store.openBatchCount(job.job_id);
      if (queued >= open) continue;
      for (const job of laneJobs) await this.#o.enqueue(job.job_id);
    }
  }

  async #ingest(job: Job): Promise<void> {
    const { jobId } = job.data as IngestionRef;
    if (!this.#o.ingest) throw new Error(`this worker cannot prepare jobs (job ${jobId})`);
    await this.#o.ingest(jobId);
  }

  async #report(job: Job): Promise<void> {
    const ref = job.data as ReportRef;
    if (!this.#o.report) throw new Error(`this worker cannot make reports (job ${ref.jobId})`);
    await this.#o.report(ref);
  }

  async #process(job: Job): Promise<void> {
    const ref = job.data as BatchRef;
    const slot = this.#freeSlots.shift() ?? this.#active.size;
    const controller = new AbortController();
    const key = job.id ?? `${ref.jobId}/${ref.batchId}`;
    this.#active.set(key, { ref, controller });
    try {
      const worked = await this.#o.work(ref, workerId(slot), controller.signal);
      // Handed back (shutdown): BullMQ retries the entry on another worker.
      if (controller.signal.aborted && !this.#isCancel(controller.signal)) throw new Error(`batch ${ref.batchId} handed back: ${String((controller.signal.reason as Error)?.message)}`);
      if (!worked) await this.#notClaimable(job, ref);
    } finally {
      this.#active.delete(key);
      this.#freeSlots.push(slot);
    }
  }

  /**
   * The store would not lease the batch. Done, or its job paused or cancelled: the entry is
   * dropped (a resume enqueues again). Leased by another worker: most likely a dead one whose
   * entry came back through BullMQ's stalled check before its store lease ran out, so the entry
   * waits (delayed) until the lease has run out, and is tried again.
   */
  async #notClaimable(job: Job, ref: BatchRef): Promise<void> {
    const stored = await this.#o.store.getJob(ref.jobId);
    if (!stored || isStatusIn(STOPPED_JOB_STATUSES, stored.status)) return;
    const open = (await this.#o.store.openBatches(ref.jobId)).find((b) => b.batchId === ref.batchId);
    if (!open || open.leaseUntil === null) return;
    await job.moveToDelayed(Math.max(open.leaseUntil, Date.now()) + 250, job.token);
    throw new DelayedError();
  }

  #abortJob(jobId: string, reason: Error): void {
    for (const active of this.#active.values()) if (active.ref.jobId === jobId) active.controller.abort(reason);
  }

  #isCancel(signal: AbortSignal): boolean {
    return (signal.reason as Error | undefined)?.message === 'job cancelled';
  }
}
