import type { Kysely } from 'kysely';
import type { GroupProgress, ResultExtent, StatusCounts, WritableResult, WritableResultsOptions } from '../job-store.ts';
import { QA_CODES, storedFlags } from '../../qa/qa-flags.ts';
import type { Database } from '../schema.ts';
import { ANSWERED_TASK_STATUSES, isStatusIn, TASK_STATUSES } from '../statuses.ts';

/** Read-only queries behind `status`, per-group progress and export; they never change state. */

/** Counts per status; open tasks of a leased batch count as processing (the lease is on the batch row). */
export async function countByStatus(db: Kysely<Database>, jobId: string): Promise<StatusCounts> {
  const rows = await db
    .selectFrom('tasks')
    .select(['status'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .groupBy('status')
    .execute();
  const counts = toCounts(rows);
  const inFlight = await db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .where('status', '=', 'pending')
    .where('batch_id', 'in', (eb) => eb.selectFrom('batches').select('batch_id').where('job_id', '=', jobId).where('status', '=', 'processing'))
    .executeTakeFirstOrThrow();
  counts.processing += Number(inFlight.n);
  counts.pending -= Number(inFlight.n);
  return counts;
}

export async function progressByGroup(db: Kysely<Database>, jobId: string): Promise<GroupProgress[]> {
  const rows = await db
    .selectFrom('tasks')
    .select(['group_id', 'status'])
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('priority').as('priority')])
    .where('job_id', '=', jobId)
    .groupBy(['group_id', 'status'])
    .execute();
  const groups = new Map<string, { priority: number; rows: { status: string; n: number }[] }>();
  for (const row of rows) {
    const group = groups.get(row.group_id) ?? { priority: Number(row.priority), rows: [] };
    group.rows.push({ status: row.status, n: Number(row.n) });
    group.priority = Math.min(group.priority, Number(row.priority));
    groups.set(row.group_id, group);
  }
  return [...groups]
    .map(([groupId, g]) => ({ groupId, priority: g.priority, ...toCounts(g.rows) }))
    .sort((a, b) => a.priority - b.priority || a.groupId.localeCompare(b.groupId));
}

/** Results read per query: a page of a 3,000,000-task job is a few MB, never the whole job. */
export const RESULT_PAGE = 10_000;

/**
 * Results to write back: completed ones, and `needs_review` ones whose flags are all soft (a long
 * label is written and flagged). A hard flag (a placeholder, markup or ICU message broken) would
 * break the game at run time: that cell stays empty unless `writeUnreviewed` — given here, else
 * the job's stored `writeUnreviewed` option (`--write-unreviewed`).
 *
 * Yielded page by page, so a million-row job's results never sit in memory as one array and each
 * page is an index range scan, not a re-sort: keyset-paged on the primary key (job_id, task_id),
 * or with `sheet` on (job_id, sheet_name, row_idx, col_idx) (migration 012), a sheet's rows in
 * order. Task order follows the planner's blocks, not rows (and the ids' zero padding ends at
 * 999,999): a consumer that needs rows in order asks for a sheet.
 */
export async function* writableResults(db: Kysely<Database>, jobId: string, options: WritableResultsOptions = {}): AsyncGenerator<WritableResult> {
  const writeUnreviewed = options.writeUnreviewed ?? (await storedWriteUnreviewed(db, jobId));
  const pages = options.sheet === undefined ? taskOrderPages(db, jobId, options) : rowOrderPages(db, jobId, options.sheet, options);
  for await (const rows of pages) {
    for (const r of rows) {
      if (r.status === 'completed' || writeUnreviewed || !hasHardFlag(r.qa_flags)) {
        const written: WritableResult = { sheetName: r.sheet_name, rowIdx: r.row_idx, colIdx: r.col_idx, targetLang: r.target_lang, result: r.result ?? '' };
        if (options.withContext) written.sourceContext = r.source_context ?? null;
        yield written;
      }
    }
  }
}

/** The answered tasks a write-back reads: of the job, answered, and stamped by the checkpoint or an earlier one when asked. */
function answeredTasks(db: Kysely<Database>, jobId: string, options: WritableResultsOptions) {
  let query = db
    .selectFrom('tasks')
    .select(['task_id', 'sheet_name', 'row_idx', 'col_idx', 'target_lang', 'result', 'status', 'qa_flags'])
    .$if(options.withContext === true, (q) => q.select('source_context'))
    .where('job_id', '=', jobId)
    .where('status', 'in', ANSWERED_TASK_STATUSES);
  // Checkpoint ids sort by time (CKPT_<timestamp>): a checkpoint holds what it and earlier ones stamped.
  if (options.upToCheckpoint) query = query.where('checkpoint_id', 'is not', null).where('checkpoint_id', '<=', options.upToCheckpoint);
  return query;
}

type AnsweredRow = Awaited<ReturnType<ReturnType<typeof answeredTasks>['execute']>>[number] & { source_context?: string | null };

async function* taskOrderPages(db: Kysely<Database>, jobId: string, options: WritableResultsOptions): AsyncGenerator<AnsweredRow[]> {
  for (let after: string | undefined; ; ) {
    const query = answeredTasks(db, jobId, options);
    const rows = (await (after === undefined ? query : query.where('task_id', '>', after)).orderBy('task_id').limit(RESULT_PAGE).execute()) as AnsweredRow[];
    yield rows;
    if (rows.length < RESULT_PAGE) return;
    after = rows[rows.length - 1].task_id;
  }
}

/**
 * A sheet's answered tasks in row order, a page of whole rows at a time: a full page's last row
 * may go on into the next page, so it is read again there (a row holds at most a few hundred
 * cells, a page ten thousand).
 */
async function* rowOrderPages(db: Kysely<Database>, jobId: string, sheet: string, options: WritableResultsOptions): AsyncGenerator<AnsweredRow[]> {
  for (let from = 0; ; ) {
    const rows = (await answeredTasks(db, jobId, options).where('sheet_name', '=', sheet).where('row_idx', '>=', from).orderBy('row_idx').limit(RESULT_PAGE).execute()) as AnsweredRow[];
    if (rows.length < RESULT_PAGE) return yield rows;
    const last = rows[rows.length - 1].row_idx;
    const whole = rows.filter((r) => r.row_idx < last);
    if (!whole.length) throw new Error(`row ${last} of sheet "${sheet}" holds more than ${RESULT_PAGE} results`);
    yield whole;
    from = last;
  }
}

/**
 * Per sheet, where its answered results lie (hard-flagged ones included: their cells may stay
 * empty, and a `<dimension>` a little wide is only a hint). An index-only scan on tasks_cell_idx
 * but for the status and checkpoint conditions.
 */
export async function writableExtents(db: Kysely<Database>, jobId: string, options: Omit<WritableResultsOptions, 'withContext' | 'sheet'> = {}): Promise<ResultExtent[]> {
  let query = db
    .selectFrom('tasks')
    .select('sheet_name')
    .select((eb) => [eb.fn.min('row_idx').as('top'), eb.fn.max('row_idx').as('bottom'), eb.fn.min('col_idx').as('left'), eb.fn.max('col_idx').as('right')])
    .where('job_id', '=', jobId)
    .where('status', 'in', ANSWERED_TASK_STATUSES);
  if (options.upToCheckpoint) query = query.where('checkpoint_id', 'is not', null).where('checkpoint_id', '<=', options.upToCheckpoint);
  const rows = await query.groupBy('sheet_name').execute();
  return rows.map((r) => ({ sheetName: r.sheet_name, top: Number(r.top), bottom: Number(r.bottom), left: Number(r.left), right: Number(r.right) }));
}

async function storedWriteUnreviewed(db: Kysely<Database>, jobId: string): Promise<boolean> {
  const job = await db.selectFrom('jobs').select('options').where('job_id', '=', jobId).executeTakeFirst();
  try {
    return (JSON.parse(job?.options ?? '{}') as { writeUnreviewed?: unknown }).writeUnreviewed === true;
  } catch {
    return false;
  }
}

/** Whether a task's stored `qa_flags` hold a hard flag (broken placeholders, markup, ICU). */
export function hasHardFlag(qaFlags: string | null): boolean {
  return storedFlags(qaFlags).some((f) => QA_CODES[f.code as keyof typeof QA_CODES]?.severity === 'hard');
}

function toCounts(rows: { status: string; n: number | string | bigint }[]): StatusCounts {
  const counts = { ...Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])), total: 0 } as StatusCounts;
  for (const row of rows) {
    const n = Number(row.n);
    if (isStatusIn(TASK_STATUSES, row.status)) counts[row.status] += n;
    counts.total += n;
  }
  return counts;
}
