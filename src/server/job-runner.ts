import type { FastifyBaseLogger } from 'fastify';
import { PAUSED_BY_REQUEST, type Engine } from '../engine.ts';
import { laneOf } from '../queue/queue-lanes.ts';

/** How often a server serving only some lanes looks for queued jobs of its lanes that other processes stored. */
const ADOPT_POLL_MS = 1_000;
/** A queued job untouched this long is nobody's run: a process that creates a job for itself runs it within moments. */
const ADOPT_AFTER_MS = 2_000;

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs API-started jobs in the background of the server process through the same Engine as the
 * CLI. One AbortController per job: shutdown aborts them all (the dispatcher stops claiming, aborts
 * in-flight calls and hands their batches back). Pause, resume and cancel go through the engine
 * and the store, so they also reach a job another process runs.
 *
 * A server started with `--lanes` (no queue) runs only jobs of those lanes: one on another lane
 * is stored `queued` and left to a server of that lane on the same store, which adopts it
 * (seed 003's worker roles as processes sharing one store).
 */
export class JobRunner {
  readonly #engine: Engine;
  readonly #log: FastifyBaseLogger;
  readonly #running = new Map<string, RunningJob>();
  /** Resumed while their run was still finishing the batches claimed before a pause: run again if it stops. */
  readonly #again = new Set<string>();
  #isClosing = false;
  #adoptTimer?: NodeJS.Timeout;

  constructor(engine: Engine, log: FastifyBaseLogger) {
    this.#engine = engine;
    this.#log = log;
    // With a queue, workers take the lanes' work; without one, only a server restricted to lanes adopts.
    if (engine.lanes && !engine.queue) {
      this.#adoptTimer = setInterval(() => void this.#adopt().catch((error: Error) => log.warn({ err: error }, 'looking for queued jobs failed')), ADOPT_POLL_MS);
      this.#adoptTimer.unref();
    }
    // Every running job subscribes to the engine's events (adaptive control, the event log) and
    // unsubscribes when it stops; a server runs many jobs at once, so more than Node's default of
    // ten listeners is no leak here.
    engine.events.setMaxListeners(0);
  }

  get isClosing(): boolean {
    return this.#isClosing;
  }

  /** Job ids this process is running now. */
  get activeJobIds(): string[] {
    return [...this.#running.keys()];
  }

  isRunning(jobId: string): boolean {
    return this.#running.has(jobId);
  }

  /** Starts the job and returns at once; a second start of a running job is a no-op. */
  start(jobId: string): void {
    if (this.#isClosing || this.#running.has(jobId)) return;
    const controller = new AbortController();
    const done = this.#run(jobId, controller.signal).finally(() => this.#running.delete(jobId));
    this.#running.set(jobId, { controller, done });
  }

  /**
   * Job-wide: stops claiming in every process; batches already claimed finish (their calls are
   * paid for) and the run stores `paused`. With groups: only those groups' batches are skipped.
   */
  async pause(jobId: string, groups?: string[]): Promise<void> {
    if (groups) await this.#engine.store.pauseGroups(jobId, groups);
    else await this.#engine.pauseJob(jobId);
  }

  /** Aborts the job's in-flight calls, hands its batches back and stores it `cancelled` for good. */
  async cancel(jobId: string): Promise<void> {
    this.#again.delete(jobId);
    await this.#engine.cancelJob(jobId);
  }

  /**
   * Job-wide: lets every paused group go too, retries cells that failed on transient errors (as
   * `fanyi resume` does) and runs the job. With groups: lets those go, and runs the job unless a
   * person paused the job itself. Works on jobs a stopped server left paused.
   */
  async resume(jobId: string, groups?: string[]): Promise<void> {
    const { store } = this.#engine;
    await store.resumeGroups(jobId, groups);
    const job = await store.getJob(jobId);
    if (!job || (groups && job.status === 'paused' && job.error_msg === PAUSED_BY_REQUEST)) return;
    if (!groups) await store.requeueTransientFailures(jobId);
    if (!this.#running.has(jobId)) return this.start(jobId);
    // Still finishing what it claimed before the pause: its pool claims again once the status
    // allows it, and if it ends first it is run again (see #run).
    this.#again.add(jobId);
    if (job.status === 'paused') await store.setJobStatus(jobId, 'running');
  }

  /** Resolves when the job stops in this process (finished, failed or aborted). */
  async settled(jobId: string): Promise<void> {
    await this.#running.get(jobId)?.done;
  }

  /**
   * Stops claiming, aborts in-flight calls and waits until every job has handed its batches back
   * and stored its state (`paused`, resumable by `fanyi resume`). Committed results are never lost.
   */
  async close(): Promise<void> {
    this.#isClosing = true;
    clearInterval(this.#adoptTimer);
    for (const job of this.#running.values()) job.controller.abort(new Error('server shutting down'));
    await Promise.all([...this.#running.values()].map((job) => job.done));
  }

  /** Starts the queued jobs of this server's lanes that no process has touched for a while. */
  async #adopt(): Promise<void> {
    const stale = Date.now() - ADOPT_AFTER_MS;
    for (const job of await this.#engine.store.listJobs({ active: true })) {
      if (job.status === 'queued' && Number(job.updated_at) <= stale && this.#engine.servesLane(laneOf(job))) this.start(job.job_id);
    }
  }

  async #run(jobId: string, signal: AbortSignal): Promise<void> {
    const job = await this.#engine.store.getJob(jobId);
    if (job && !this.#engine.servesLane(laneOf(job))) {
      this.#log.info({ jobId, lane: laneOf(job) }, 'job left queued for a server of its lane');
      return;
    }
    for (;;) {
      this.#again.delete(jobId);
      try {
        const outcome = await this.#engine.runJob(jobId, signal);
        this.#log.info({ jobId, status: outcome.job.status, ms: outcome.durationMs }, 'job stopped');
        if (!this.#again.has(jobId) || signal.aborted || outcome.job.status !== 'paused') return;
      } catch (error) {
        // runJob already stored the job as failed with its message; a background job has no caller to throw to.
        this.#log.error({ jobId, err: error }, 'job failed');
        return;
      }
    }
  }
}
