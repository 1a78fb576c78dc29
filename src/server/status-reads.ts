import type { GroupProgress, JobReadViews, JobRow, StatusCounts, TaskStatistics } from '../store/job-store.ts';
import { JobReadCache } from './job-read-cache.ts';
import type { JobProgress } from './job-view.ts';

/**
 * What the status views read from the task table, each part cached per job at its own pace
 * (JobReadCache), so a storm of polls costs a few aggregate reads a second, not one per request.
 * Counts move with every commit and are re-read at most every 500 ms; the performance statistics
 * (averages, p95, retries) move slowly and cost twice as much to read, so every 2 s; per-group
 * progress (the monitor view) every second. On SQLite each read blocks the event loop for its
 * duration (a few ms at 25k tasks), so these intervals bound what polling takes from the job.
 */
export class StatusReads {
  readonly #counts: JobReadCache<{ counts: StatusCounts; workers: number }>;
  readonly #statistics: JobReadCache<TaskStatistics>;
  readonly #groups: JobReadCache<GroupProgress[]>;

  constructor(store: JobReadViews) {
    this.#counts = new JobReadCache(
      async (jobId) => {
        const [counts, leased] = await Promise.all([store.countByStatus(jobId), store.leasedBatches(jobId)]);
        return { counts, workers: leased.length };
      },
      { minTtlMs: 500, costFactor: 50 },
    );
    this.#statistics = new JobReadCache((jobId) => store.taskStatistics(jobId), { minTtlMs: 2_000, maxTtlMs: 10_000, costFactor: 100 });
    this.#groups = new JobReadCache((jobId) => store.progressByGroup(jobId), { minTtlMs: 1_000, costFactor: 50 });
  }

  /** Counts, workers and statistics of `job`, a row the caller has just read (see JobReadCache). */
  async progress(job: JobRow): Promise<JobProgress> {
    const [{ counts, workers }, stats] = await Promise.all([this.#counts.get(job), this.#statistics.get(job)]);
    return { counts, workers, stats };
  }

  groups(job: JobRow): Promise<GroupProgress[]> {
    return this.#groups.get(job);
  }
}
