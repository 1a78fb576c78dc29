import { sql, type Kysely } from 'kysely';
import type { ActiveLoad, JobRow, TaskPage, TaskPageQuery, TaskStatistics, TaskView } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { ACTIVE_JOB_STATUSES } from '../statuses.ts';

/**
 * Read-only queries behind the REST API (`fanyi serve`): a tenant's jobs, paged task rows and the
 * seed 000 §8.1 statistics. They never change state.
 */


/** Newest first; `active` keeps jobs that are not finished (completed, failed or cancelled). */
export function listTenantJobs(db: Kysely<Database>, options: { tenant: string; active?: boolean; limit?: number }): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll().where('tenant', '=', options.tenant).orderBy('created_at', 'desc').orderBy('job_id', 'desc').limit(options.limit ?? 100);
  if (options.active) query = query.where('status', 'in', ACTIVE_JOB_STATUSES);
  return query.execute();
}

/**
 * One page of a job's tasks in task-id order. A task's own status never reads `processing` (the
 * lease lives on its batch row), so the view derives it the way `countByStatus` does: an open task
 * of a leased batch is processing.
 */
export async function taskPage(db: Kysely<Database>, jobId: string, query: TaskPageQuery): Promise<TaskPage> {
  const base = filtered(db, jobId, query);
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base
    .selectAll('t')
    .select(sql<string>`case when t.status = 'pending' and b.status = 'processing' then 'processing' else t.status end`.as('view_status'))
    .orderBy('t.task_id')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return { total: Number(total.n), rows: rows.map(({ view_status, lease_until: _lease, dedupe_key: _key, ...row }) => ({ ...row, status: view_status }) as TaskView) };
}

function filtered(db: Kysely<Database>, jobId: string, query: TaskPageQuery) {
  let base = db
    .selectFrom('tasks as t')
    .leftJoin('batches as b', (join) => join.onRef('b.job_id', '=', 't.job_id').onRef('b.batch_id', '=', 't.batch_id'))
    .where('t.job_id', '=', jobId);
  if (query.groupId) base = base.where('t.group_id', '=', query.groupId);
  if (query.targetLang) base = base.where('t.target_lang', '=', query.targetLang);
  if (query.statuses?.length) {
    const open = query.statuses.filter((s) => s === 'pending' || s === 'processing');
    const settled = query.statuses.filter((s) => s !== 'pending' && s !== 'processing');
    base = base.where((eb) =>
      eb.or([
        ...(settled.length ? [eb('t.status', 'in', settled)] : []),
        ...(open.includes('processing') ? [eb.and([eb('t.status', '=', 'pending'), eb('b.status', '=', 'processing')])] : []),
        ...(open.includes('pending') ? [eb.and([eb('t.status', '=', 'pending'), eb.or([eb('b.status', 'is', null), eb('b.status', '!=', 'processing')])])] : []),
      ]),
    );
  }
  return base;
}

/** Averages, p95 and error counts over a job's tasks (durations are per call, shared by a batch's tasks). */
export async function taskStatistics(db: Kysely<Database>, jobId: string): Promise<TaskStatistics> {
  const row = await db
    .selectFrom('tasks')
    .where('job_id', '=', jobId)
    .select((eb) => [
      eb.fn.avg<number | null>('duration_ms').as('avg_duration'),
      eb.fn.count<number>('duration_ms').as('timed'),
      eb.fn.avg<number | null>('confidence').as('avg_confidence'),
      eb.fn.avg<number | null>('quality_score').as('avg_quality'),
      eb.fn.min<number | null>('start_time').as('first_start'),
      eb.fn.max<number | null>('end_time').as('last_end'),
      sql<number>`sum(case when retry_count > 0 then 1 else 0 end)`.as('retried'),
      sql<number>`sum(case when error_type = 'timeout' then 1 else 0 end)`.as('timeouts'),
      sql<number>`sum(case when status = 'failed' then 1 else 0 end)`.as('failed'),
    ])
    .executeTakeFirstOrThrow();
  return {
    avgDurationMs: nullable(row.avg_duration),
    p95DurationMs: await p95Duration(db, jobId, Number(row.timed)),
    avgConfidence: nullable(row.avg_confidence),
    avgQualityScore: nullable(row.avg_quality),
    firstStartedAt: nullable(row.first_start),
    lastEndedAt: nullable(row.last_end),
    retriedTasks: Number(row.retried ?? 0),
    timeouts: Number(row.timeouts ?? 0),
    failedTasks: Number(row.failed ?? 0),
  };
}

async function p95Duration(db: Kysely<Database>, jobId: string, timed: number): Promise<number | null> {
  if (!timed) return null;
  const row = await db
    .selectFrom('tasks')
    .select('duration_ms')
    .where('job_id', '=', jobId)
    .where('duration_ms', 'is not', null)
    .orderBy('duration_ms')
    .limit(1)
    .offset(Math.ceil(0.95 * timed) - 1)
    .executeTakeFirst();
  return nullable(row?.duration_ms);
}

/** For the metrics gauges: tasks by stored status and open batches over every unfinished job. */
export async function activeJobLoad(db: Kysely<Database>): Promise<ActiveLoad> {
  const active = db.selectFrom('jobs').select('job_id').where('status', 'in', ACTIVE_JOB_STATUSES);
  const taskRows = await db.selectFrom('tasks').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', 'in', active).groupBy('status').execute();
  const batchRows = await db.selectFrom('batches').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).where('job_id', 'in', active).groupBy('status').execute();
  const tasks: Record<string, number> = {};
  for (const r of taskRows) tasks[r.status] = Number(r.n);
  // As in countByStatus: open tasks of a leased batch are processing.
  const inFlight = await db
    .selectFrom('tasks as t')
    .innerJoin('batches as b', (join) => join.onRef('b.job_id', '=', 't.job_id').onRef('b.batch_id', '=', 't.batch_id'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('t.job_id', 'in', active)
    .where('t.status', '=', 'pending')
    .where('b.status', '=', 'processing')
    .executeTakeFirstOrThrow();
  tasks.processing = Number(inFlight.n);
  tasks.pending = (tasks.pending ?? 0) - tasks.processing;
  const batches = new Map(batchRows.map((r) => [r.status, Number(r.n)]));
  return { tasks, openBatches: (batches.get('pending') ?? 0) + (batches.get('processing') ?? 0), leasedBatches: batches.get('processing') ?? 0 };
}

function nullable(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
