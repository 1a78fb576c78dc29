import { decide, type Adjustment } from './adaptive-rules.ts';
import { CallWindow, sampleLimiters } from './call-window.ts';
import type { JobControl, JobControlOptions } from './job-control.ts';

/**
 * Seed 000 §2.2 (adaptive-rules.ts) in one process, every period over this process's calls of
 * the job: the embedded default, and a queue worker's control when no shared state is reachable.
 * Each change is emitted as `control:adjusted` (stored as a job event, shown by `status`).
 */
export class AdaptiveControl implements JobControl {
  readonly #o: JobControlOptions;
  readonly #calls: CallWindow;
  #workers: number;
  #batchFactor = 1;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: JobControlOptions) {
    this.#o = options;
    this.#workers = options.startWorkers;
    this.#calls = new CallWindow(options.events, options.jobId);
  }

  get workers(): number {
    return this.#workers;
  }

  get maxWorkers(): number {
    return Math.max(this.#o.startWorkers, this.#o.enabled === false ? 0 : this.#o.maxWorkers);
  }

  itemsPerCall(batchSize: number): number {
    return Math.max(1, Math.floor(batchSize * this.#batchFactor));
  }

  start(): void {
    this.#calls.attach();
    if (this.#o.enabled !== false) this.#timer = setInterval(() => this.evaluate(), this.#o.intervalMs ?? 5_000).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#calls.detach();
  }

  /** One period's decision (public so tests can step it without waiting). */
  evaluate(): void {
    const window = { ...this.#calls.take(), ...sampleLimiters(this.#o.endpoints()) };
    const bounds = { minWorkers: 1, maxWorkers: this.maxWorkers, batchTokenBudget: this.#o.batchTokenBudget };
    const { settings, changes } = decide(window, { batchFactor: this.#batchFactor, workers: this.#workers }, bounds);
    this.#batchFactor = settings.batchFactor;
    this.#workers = settings.workers;
    for (const change of changes) this.#emit(change);
  }

  #emit(change: Adjustment): void {
    this.#o.events.emit('control:adjusted', { jobId: this.#o.jobId, ...change });
  }
}
