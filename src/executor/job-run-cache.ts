import type { JobRow } from '../store/job-store.ts';
import type { JobRun } from './create-job-dispatcher.ts';

/**
 * A queue worker's runs, one per job it has batches of: its endpoint pool, batch runner, glossary
 * and prompt are built for the first batch and reused for the next ones. Keyed by the job's stored
 * options too, so a resume that changed the job's settings gets a new run. Each run's adaptive
 * control runs while the run is cached: a worker's calls shrink and grow with it as the engine's
 * own run's do.
 */
export class JobRunCache {
  readonly #runs = new Map<string, { options: string; run: Promise<JobRun> }>();
  readonly #build: (job: JobRow) => Promise<JobRun>;

  constructor(build: (job: JobRow) => Promise<JobRun>) {
    this.#build = build;
  }

  get(job: JobRow): Promise<JobRun> {
    const cached = this.#runs.get(job.job_id);
    if (cached && cached.options === job.options) return cached.run;
    if (cached) this.drop(job.job_id);
    const run = this.#build(job).then((built) => {
      built.control.start();
      return built;
    });
    this.#runs.set(job.job_id, { options: job.options, run });
    // A failed build (a missing key) is not kept: the next batch tries again.
    run.catch(() => this.#runs.get(job.job_id)?.run === run && this.#runs.delete(job.job_id));
    return run;
  }

  /** The job is over here (completed, cancelled). */
  drop(jobId: string): void {
    const cached = this.#runs.get(jobId);
    this.#runs.delete(jobId);
    cached?.run.then((run) => run.control.stop(), () => undefined);
  }

  /** Stops every run's control (the engine closes). */
  clear(): void {
    for (const jobId of [...this.#runs.keys()]) this.drop(jobId);
  }
}
