import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import type { CallSample, RecentTask } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { isStatusIn, STOPPED_JOB_STATUSES } from '../statuses.ts';
import type { StoreAdapter } from '../store-adapter.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Pause/resume per job and per group (seed 000 §3.2.3), and the activity views of the dashboard.
 * A paused job is its status; a paused group is a row in `paused_groups`. Both are read inside the
 * claim, so a pause stops every process that works on the job, not only the one that was asked.
 */

/** True when the job may hand out batches (it exists and is neither paused nor cancelled). */
export async function isJobClaimable(db: Db, jobId: string): Promise<boolean> {
  const job = await db.selectFrom('jobs').select('status').where('job_id', '=', jobId).executeTakeFirst();
  return !!job && !isStatusIn(STOPPED_JOB_STATUSES, job.status);
}

/** For `where` on a query over `batches`: its group is not paused. */
export function inRunnableGroup(eb: ExpressionBuilder<Database, 'batches'>) {
  return eb.not(
    eb.exists(
      eb.selectFrom('paused_groups').select('paused_groups.group_id').whereRef('paused_groups.job_id', '=', 'batches.job_id').whereRef('paused_groups.group_id', '=', 'batches.group_id'),
    ),
  );
}

/** Adds the groups to the job's paused set; already paused ones stay as they were. Returns the set. */
export async function pauseGroups(db: Kysely<Database>, adapter: StoreAdapter, jobId: string, groupIds: string[]): Promise<string[]> {
  const now = Date.now();
  const rows = [...new Set(groupIds)].map((group_id) => ({ job_id: jobId, group_id, paused_at: now }));
  // Insert-ignore, not select-then-insert: two processes pausing at once never collide.
  if (rows.length) await adapter.insertIgnore(db.insertInto('paused_groups').values(rows), ['job_id', 'group_id']).execute();
  return listPausedGroups(db, jobId);
}

/** Removes the groups from the paused set (all of them without `groupIds`); returns what stays paused. */
export async function resumeGroups(db: Kysely<Database>, jobId: string, groupIds?: string[]): Promise<string[]> {
  let query = db.deleteFrom('paused_groups').where('job_id', '=', jobId);
  if (groupIds) query = query.where('group_id', 'in', groupIds.length ? groupIds : ['']);
  await query.execute();
  return listPausedGroups(db, jobId);
}

export async function listPausedGroups(db: Db, jobId: string): Promise<string[]> {
  const rows = await db.selectFrom('paused_groups').select('group_id').where('job_id', '=', jobId).orderBy('group_id').execute();
  return rows.map((r) => r.group_id);
}

/**
 * Open batches a worker could still get (pending, or leased by anyone) outside paused groups; 0
 * when the job is paused or cancelled. When it is 0 the pool ends: what is left waits for a resume.
 */
export async function runnableBatchCount(db: Kysely<Database>, jobId: string): Promise<number> {
  if (!(await isJobClaimable(db, jobId))) return 0;
  const row = await db
    .selectFrom('batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .where('status', '!=', 'done')
    .where(inRunnableGroup)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Call attempts since `since` (ms), oldest first, at most `limit`: the dashboard's throughput chart. */
export async function callSamples(db: Kysely<Database>, jobId: string, since = 0, limit = 5_000): Promise<CallSample[]> {
  const rows = await db
    .selectFrom('calls')
    .select(['at', 'ms', 'items', 'outcome', 'endpoint'])
    .where('job_id', '=', jobId)
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => ({ at: Number(r.at), ms: Number(r.ms), items: Number(r.items), outcome: r.outcome, endpoint: r.endpoint }));
}

/** The most recently settled tasks, newest first (the dashboard's "recent tasks"). */
export async function recentTasks(db: Kysely<Database>, jobId: string, limit: number): Promise<RecentTask[]> {
  const rows = await db
    .selectFrom('tasks')
    .select(['task_id', 'group_id', 'target_lang', 'cell_ref', 'sheet_name', 'status', 'end_time', 'confidence', 'quality_score', 'retry_count', 'error_type', 'source_context'])
    .where('job_id', '=', jobId)
    .where('end_time', 'is not', null)
    .orderBy('end_time', 'desc')
    .orderBy('task_id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(({ source_context, ...r }) => ({ ...r, end_time: Number(r.end_time), retry_count: Number(r.retry_count), field: fieldOf(source_context) }));
}

/** The text field a task's context names; read in JS, not with a dialect's JSON functions, so every store runs the same query. */
function fieldOf(sourceContext: string | null): string | null {
  try {
    const field: unknown = sourceContext ? JSON.parse(sourceContext).field : undefined;
    return typeof field === 'string' ? field : null;
  } catch {
    return null;
  }
}
