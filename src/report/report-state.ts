/**
 * A job's reports, kept in its event log (no table of their own): `report:requested` when one is
 * queued on the `reports` lane, `report` when its workbook is stored (the file's id in the data),
 * `report:failed` with the error. The newest request says what `GET …/report` answers.
 */
import type { JobStore } from '../store/job-store.ts';
import type { FieldKind, SkippedField } from './report-fields.ts';
import type { ReportSheet } from './report-workbook.ts';

export const REPORT_EVENT = { requested: 'report:requested', done: 'report', failed: 'report:failed' } as const;

/** A report made: what `fanyi report --json` prints and the API answers. */
export interface ReportDone {
  requestId: string;
  /** The workbook among the store's files. */
  fileId: string;
  /** The group column, null when the rows were not grouped. */
  by: string | null;
  /** Rows counted (those the job's output holds). */
  rows: number;
  /** The fields counted, with how many distinct values each has. */
  fields: Array<{ name: string; kind: FieldKind; values: number }>;
  skipped: SkippedField[];
  sheets: ReportSheet[];
}

/** The report as `fanyi report --json` prints it and the API answers it (snake_case, as every JSON answer). */
export function reportView(done: ReportDone) {
  return {
    request_id: done.requestId,
    by: done.by,
    rows: done.rows,
    fields: done.fields,
    not_counted: done.skipped,
    sheets: done.sheets,
  };
}

export type ReportState =
  | { state: 'queued'; requestId: string; at: number; by?: string }
  | ({ state: 'done'; at: number } & ReportDone)
  | { state: 'failed'; requestId: string; at: number; code?: string; message: string };

export async function recordReport(store: JobStore, jobId: string, done: ReportDone): Promise<void> {
  await store.recordEvent(jobId, { kind: REPORT_EVENT.done, message: `report of ${done.rows} rows${done.by ? ` by ${done.by}` : ''}: ${done.fields.map((f) => f.name).join(', ')}`, data: done });
}

export async function recordReportRequest(store: JobStore, jobId: string, requestId: string, by: string | undefined): Promise<void> {
  await store.recordEvent(jobId, { kind: REPORT_EVENT.requested, message: `report queued on the reports lane${by ? ` (by ${by})` : ''}`, data: { requestId, by: by ?? null } });
}

export async function recordReportFailure(store: JobStore, jobId: string, requestId: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  await store.recordEvent(jobId, { kind: REPORT_EVENT.failed, message: `report failed: ${message}`, data: { requestId, message, ...(typeof code === 'string' ? { code } : {}) } });
}

/** How many report events are looked through: far more than the requests anyone keeps making. */
const LOOKBACK = 50;

/**
 * The state of the job's newest report request (by when it was first heard of), or undefined
 * when none was made. A request is settled by a `report` or `report:failed` event naming it, whichever order the log shows them
 * in (two events of one millisecond have no order).
 */
export async function reportState(store: JobStore, jobId: string, requestId?: string): Promise<ReportState | undefined> {
  const events = await store.jobEvents(jobId, LOOKBACK, Object.values(REPORT_EVENT));
  const states = new Map<string, ReportState>();
  for (const e of events) {
    const data = (e.data ?? {}) as { requestId?: string; message?: string; code?: string; by?: string | null };
    if (!data.requestId) continue;
    const known = states.get(data.requestId);
    if (e.kind === REPORT_EVENT.done) states.set(data.requestId, { state: 'done', at: e.at, ...(e.data as ReportDone) });
    else if (e.kind === REPORT_EVENT.failed) states.set(data.requestId, { state: 'failed', requestId: data.requestId, at: e.at, message: data.message ?? e.message, ...(data.code ? { code: data.code } : {}) });
    else if (!known) states.set(data.requestId, { state: 'queued', requestId: data.requestId, at: e.at, ...(data.by ? { by: data.by } : {}) });
  }
  if (requestId) return states.get(requestId);
  return [...states.values()].at(-1);
}
