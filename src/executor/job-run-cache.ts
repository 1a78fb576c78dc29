import type { JobRow } from '../store/job-store.ts';
import type { JobRun } from './create-job-dispatcher.ts';

/**
 * A queue worker's runs, one per job it has batches of: its endpoint pool, batch runner, glossary
 * and prompt are built for the first batch and reused for the next ones. Keyed by the job's stored
 * options too, so a resume that changed the job's settings gets a new run.
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
    const run = this.#build(job);
    this.#runs.set(job.job_id, { options: job.options, run });
    // A failed build (a missing key) is not kept: the next batch tries again.
    run.catch(() => this.#runs.get(job.job_id)?.run === run && this.#runs.delete(job.job_id));
    return run;
  }

  /** The job is over here (completed, cancelled). */
  drop(jobId: string): void {
    this.#runs.delete(jobId);
  }
}
