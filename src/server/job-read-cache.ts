import type { JobRow } from '../store/job-store.ts';

export interface JobReadCacheOptions {
  /** Shortest time a result is reused, in ms. Default 250. */
  minTtlMs?: number;
  /** Longest, however slow the read. Default 5,000. */
  maxTtlMs?: number;
  /**
   * A result is reused for `costFactor` times as long as it took to read (within the bounds above),
   * so the reads take at most ~1/costFactor of the event loop however many clients poll. Default 20.
   */
  costFactor?: number;
  /** Jobs remembered at most; the least recently read is dropped first. Default 1,000. */
  maxEntries?: number;
  /** The clock for ages and read costs, in ms (tests pass a mocked `Date.now`). Default `performance.now`. */
  now?: () => number;
}

interface Entry<T> {
  /** The job's status when the entry was made: a new status starts a new entry. */
  status: string;
  value?: T;
  readAt: number;
  ttlMs: number;
  reading?: Promise<T>;
}

/**
 * A short-lived per-job memo of an aggregate over the task table (progress counts, statistics,
 * per-group progress), so a storm of status polls costs one read per TTL instead of one per request
 * and leaves the SQLite connection to the job's own writes.
 *
 * Invariants: the caller passes the job row it has just read, and an entry only answers for the
 * status it was made under, so a state change (completed, paused, cancelled, resumed) is seen by
 * the very next request, with counts read after it. While the state holds, an answer is at most
 * two TTLs old: past one TTL the last value still answers while its refresh runs
 * (stale-while-revalidate), past two the caller waits for the refresh; concurrent requests share
 * one read.
 */
export class JobReadCache<T> {
  readonly #read: (jobId: string) => Promise<T>;
  readonly #entries = new Map<string, Entry<T>>();
  readonly #minTtl: number;
  readonly #maxTtl: number;
  readonly #costFactor: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(read: (jobId: string) => Promise<T>, options: JobReadCacheOptions = {}) {
    this.#read = read;
    this.#minTtl = options.minTtlMs ?? 250;
    this.#maxTtl = options.maxTtlMs ?? 5_000;
    this.#costFactor = options.costFactor ?? 20;
    this.#maxEntries = options.maxEntries ?? 1_000;
    this.#now = options.now ?? (() => performance.now());
  }

  get(job: JobRow): Promise<T> {
    const entry = this.#entry(job);
    const age = this.#now() - entry.readAt;
    if (age < entry.ttlMs) return Promise.resolve(entry.value!);
    if (!entry.reading) this.#refresh(entry, job.job_id);
    // Within a second TTL the last value answers while the refresh runs; older than that (polls
    // far apart) the caller waits for the fresh one rather than get a value of any age.
    return entry.value !== undefined && age < 2 * entry.ttlMs ? Promise.resolve(entry.value) : entry.reading!;
  }

  #entry(job: JobRow): Entry<T> {
    let entry = this.#entries.get(job.job_id);
    if (entry && entry.status === job.status) {
      // Map order is recency order: re-inserting marks it most recently read.
      this.#entries.delete(job.job_id);
    } else {
      entry = { status: job.status, readAt: Number.NEGATIVE_INFINITY, ttlMs: 0 };
    }
    this.#entries.set(job.job_id, entry);
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return entry;
  }

  #refresh(entry: Entry<T>, jobId: string): void {
    const started = this.#now();
    const reading = this.#read(jobId).then((value) => {
      entry.readAt = this.#now();
      const cost = entry.readAt - started;
      entry.value = value;
      entry.ttlMs = Math.min(this.#maxTtl, Math.max(this.#minTtl, cost * this.#costFactor));
      return value;
    });
    entry.reading = reading;
    // A failed refresh leaves the last value in place; a caller with nothing to fall back on sees the error.
    reading.catch(() => undefined).finally(() => {
      if (entry.reading === reading) entry.reading = undefined;
    });
  }
}
