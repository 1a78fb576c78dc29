/**
 * How a batch is named and ranked in BullMQ. The id is derived from job and batch, so adding a
 * batch that is already queued (or being worked on) is a no-op: BullMQ keeps one job per id while
 * it exists. Entries are removed when they finish, so a batch handed back can be queued again.
 */

/** What a queue entry carries: the task table holds everything else. */
export interface BatchRef {
  jobId: string;
  batchId: string;
}

/** What an `ingestion` entry carries: the job row holds the file reference and the options. */
export interface IngestionRef {
  jobId: string;
}

/** What a `reports` lane entry carries: a report of a map job to make (JobReports.work). */
export interface ReportRef {
  jobId: string;
  /** Names the request in the job's event log, where its outcome is recorded. */
  requestId: string;
  /** The group column asked for; absent: the default. */
  by?: string;
}

/** The BullMQ entry name of a report on the `reports` lane, beside `batch` entries of jobs run on that lane. */
export const REPORT_ENTRY = 'report';

/** One entry per request: asking again for a report adds another. */
export function reportJobId({ jobId, requestId }: ReportRef): string {
  return `r.${jobId}.${requestId}`.replace(/:/g, '%3A');
}

/** `job_x.BATCH_pt-BR_001`. BullMQ refuses ids holding ':' (its key separator) or made only of digits. */
export function bullJobId({ jobId, batchId }: BatchRef): string {
  return `b.${jobId}.${batchId}`.replace(/:/g, '%3A');
}

/** The ingestion entry of a job: one per job, so submitting or reconciling twice adds one. */
export function ingestionJobId(jobId: string): string {
  return `i.${jobId}`.replace(/:/g, '%3A');
}

import type { JobPriority } from '../../job-types.ts';

export type { JobPriority };

/**
 * BullMQ priority: lower runs first. Every entry gets one (≥ 100), because BullMQ runs entries
 * without a priority before all prioritised ones: a normal job left unprioritised would overtake
 * a high one. High jobs' batches come before every normal job's on the lane; within a tier, the
 * batch's group priority (1–10, 1 first) orders them, then the order they were added (FIFO).
 */
export function bullPriority(jobPriority: JobPriority | undefined, groupPriority: number): number {
  const tier = jobPriority === 'high' ? 1 : 2;
  return tier * 100 + Math.min(99, Math.max(0, Math.round(groupPriority)));
}
