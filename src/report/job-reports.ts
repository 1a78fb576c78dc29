/**
 * A map job's reports as the engine offers them: made now in this process, or requested on the
 * `reports` lane for a worker to make, and their state read back from the job's event log
 * (report-state.ts). Kept apart from the engine, which only wires it.
 */
import { FanyiError } from '../errors.ts';
import type { JobRow } from '../store/job-store.ts';
import { makeReport, newRequestId, reportableSpec, type ReportOptions, type ReportParts } from './job-report.ts';
import { recordReportFailure, recordReportRequest, reportState, type ReportDone, type ReportState } from './report-state.ts';

/** One report to make on the `reports` lane. */
export interface ReportRequest {
  jobId: string;
  requestId: string;
  by?: string;
}

/** What of a queue back end reports need: an idempotent add (one entry per request id). */
export interface ReportQueue {
  enqueueReport(ref: ReportRequest): Promise<void>;
}

export interface JobReportsParts extends ReportParts {
  /** The job, or JOB_NOT_FOUND. */
  job(jobId: string): Promise<JobRow>;
  /** Absent: no queue back end; reports are made in the process that asks. */
  queue?: ReportQueue;
}

/**
 * A request still queued this long is queued again when its state is read: its entry may have
 * been lost with a Redis that restarted empty. Queueing again is a no-op while the entry exists.
 */
export const REQUEUE_AFTER_MS = 5_000;

export class JobReports {
  readonly #p: JobReportsParts;

  constructor(parts: JobReportsParts) {
    this.#p = parts;
  }

  /**
   * A map job's report (`fanyi report`), made now in this process from the results stored so far:
   * counts per result field and group, stored among the store's files and recorded with the job.
   */
  async make(jobId: string, options: ReportOptions = {}): Promise<ReportDone> {
    return makeReport(this.#p, await this.#p.job(jobId), options);
  }

  /**
   * With a queue: records a report request and queues it on the `reports` lane, where a worker
   * makes it ({@link work}); returns the request's id. A job a report cannot count is refused here.
   */
  async request(jobId: string, options: Pick<ReportOptions, 'by'> = {}): Promise<string> {
    const queue = this.#p.queue;
    if (!queue) throw new FanyiError('USAGE', 'a queued report needs a queue back end; without one, make it in this process');
    reportableSpec(await this.#p.job(jobId));
    const requestId = newRequestId();
    const by = options.by?.trim() || undefined;
    await recordReportRequest(this.#p.store, jobId, requestId, by);
    await queue.enqueueReport({ jobId, requestId, ...(by ? { by } : {}) });
    return requestId;
  }

  /** The `reports` lane's work: makes the requested report; a failure is recorded with the job, not thrown (a worker has no caller to tell). */
  async work(ref: ReportRequest): Promise<void> {
    try {
      await this.make(ref.jobId, { by: ref.by, requestId: ref.requestId });
    } catch (error) {
      await recordReportFailure(this.#p.store, ref.jobId, ref.requestId, error);
    }
  }

  /**
   * The job's newest report request (or the one named) as its event log has it; undefined when
   * none was made. A request queued for more than {@link REQUEUE_AFTER_MS} is queued again, so
   * one whose entry was lost is made once a worker serves the lane, without a new request.
   */
  async state(jobId: string, requestId?: string, now = Date.now()): Promise<ReportState | undefined> {
    const state = await reportState(this.#p.store, jobId, requestId);
    if (state?.state === 'queued' && this.#p.queue && now - state.at > REQUEUE_AFTER_MS) {
      await this.#p.queue.enqueueReport({ jobId, requestId: state.requestId, ...(state.by ? { by: state.by } : {}) });
    }
    return state;
  }
}
