import type { FastifyBaseLogger } from 'fastify';
import type { Engine } from '../engine.ts';

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs API-started jobs in the background of the server process through the same Engine as the
 * CLI. One AbortController per job: shutdown aborts them all (the dispatcher stops claiming, aborts
 * in-flight calls and hands their batches back), and pause/cancel can later abort one.
 */
export class JobRunner {
  readonly #engine: Engine;
  readonly #log: FastifyBaseLogger;
  readonly #running = new Map<string, RunningJob>();
  #isClosing = false;

  constructor(engine: Engine, log: FastifyBaseLogger) {
    this.#engine = engine;
    this.#log = log;
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
    for (const job of this.#running.values()) job.controller.abort(new Error('server shutting down'));
    await Promise.all([...this.#running.values()].map((job) => job.done));
  }

  async #run(jobId: string, signal: AbortSignal): Promise<void> {
    try {
      const outcome = await this.#engine.runJob(jobId, signal);
      this.#log.info({ jobId, status: outcome.job.status, ms: outcome.durationMs }, 'job stopped');
    } catch (error) {
      // runJob already stored the job as failed with its message; a background job has no caller to throw to.
      this.#log.error({ jobId, err: error }, 'job failed');
    }
  }
}
