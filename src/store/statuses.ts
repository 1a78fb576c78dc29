/**
 * Every status a job, a task and a batch can have, and the named subsets code asks about. One
 * list each: the types in schema.ts, the API's enums and every query's `in (…)` come from here.
 */

/** A job's life: analysed, stored (`queued`), run, then finished or paused for a resume. */
export const JOB_STATUSES = ['analyzing', 'queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Finished: stamped `finished_at`, no longer active, and a pause has nothing left to stop. */
export const FINISHED_JOB_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];
/** Not finished: what the API's `active` jobs list and the metrics gauges count. */
export const ACTIVE_JOB_STATUSES = without(JOB_STATUSES, FINISHED_JOB_STATUSES);
/** Done for good: completed, or cancelled (never run again). */
export const CLOSED_JOB_STATUSES = ['completed', 'cancelled'] as const satisfies readonly JobStatus[];
/**
 * What `fanyi resume` may continue: every job not closed. A failed job is finished (its run
 * stopped) but resumable: a resume retries the cells that failed on transient errors.
 */
export const RESUMABLE_JOB_STATUSES = without(JOB_STATUSES, CLOSED_JOB_STATUSES);
/** Jobs whose batches are never handed out: paused until resumed, cancelled for good. */
export const STOPPED_JOB_STATUSES = ['paused', 'cancelled'] as const satisfies readonly JobStatus[];

/**
 * A task's status. `processing` is never stored on a task: it is shown for an open task of a
 * leased batch (the lease lives on the batch, so a claim writes one row, not one per task).
 */
export const TASK_STATUSES = ['pending', 'processing', 'completed', 'needs_review', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Still to be translated: what a claim hands out. */
export const OPEN_TASK_STATUSES = ['pending'] as const satisfies readonly TaskStatus[];
/** Answered, reviewed or given up: what a checkpoint covers. */
export const SETTLED_TASK_STATUSES = ['completed', 'needs_review', 'failed'] as const satisfies readonly TaskStatus[];
/** Has a result that may be written back (a `needs_review` one unless it has a hard QA flag). */
export const ANSWERED_TASK_STATUSES = ['completed', 'needs_review'] as const satisfies readonly TaskStatus[];
/** What the review list shows. */
export const REVIEW_TASK_STATUSES = ['needs_review', 'failed'] as const satisfies readonly TaskStatus[];

/** A batch is the unit of claiming: pending, leased (`processing`), or done. */
export const BATCH_STATUSES = ['pending', 'processing', 'done'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** True when `status` is one of `statuses` (narrows a plain string, such as a stored one). */
export function isStatusIn<S extends string>(statuses: readonly S[], status: string): status is S {
  return (statuses as readonly string[]).includes(status);
}

function without<S extends string, X extends S>(all: readonly S[], left: readonly X[]): Array<Exclude<S, X>> {
  return all.filter((s): s is Exclude<S, X> => !isStatusIn(left, s));
}
