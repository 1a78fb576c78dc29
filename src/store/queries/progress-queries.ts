import type { Kysely } from 'kysely';
import type { GroupProgress, StatusCounts, WritableResult, WritableResultsOptions } from '../job-store.ts';
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
 * Yielded page by page, keyset-paged on the primary key (job_id, task_id), so a million-row job's
 * results never sit in memory as one array and each page is an index range scan, not a re-sort.
 * Task ids follow the planner's sheet/row order; consumers must not rely on it past 999,999 tasks
 * (the ids' zero padding ends there), and the xlsx patch does not: it groups cells itself.
 */
export async function* writableResults(db: Kysely<Database>, jobId: string, options: WritableResultsOptions = {}): AsyncGenerator<WritableResult> {
  const writeUnreviewed = options.writeUnreviewed ?? (await storedWriteUnreviewed(db, jobId));
  for (let after: string | undefined; ; ) {
    let query = db
      .selectFrom('tasks')
      .select(['task_id', 'sheet_name', 'row_idx', 'col_idx', 'target_lang', 'result', 'status', 'qa_flags'])
      .$if(options.withContext === true, (q) => q.select('source_context'))
      .where('job_id', '=', jobId)
      .where('status', 'in', ANSWERED_TASK_STATUSES);
    // Checkpoint ids sort by time (CKPT_<timestamp>): a checkpoint holds what it and earlier ones stamped.
    if (options.upToCheckpoint) query = query.where('checkpoint_id', 'is not', null).where('checkpoint_id', '<=', options.upToCheckpoint);
    if (after !== undefined) query = query.where('task_id', '>', after);
    const rows = await query.orderBy('task_id').limit(RESULT_PAGE).execute();
    for (const r of rows) {
      if (r.status === 'completed' || writeUnreviewed || !hasHardFlag(r.qa_flags)) {
        const written: WritableResult = { sheetName: r.sheet_name, rowIdx: r.row_idx, colIdx: r.col_idx, targetLang: r.target_lang, result: r.result ?? '' };
        if (options.withContext) written.sourceContext = r.source_context ?? null;
        yield written;
      }
    }
    if (rows.length < RESULT_PAGE) return;
    after = rows[rows.length - 1].task_id;
  }
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
