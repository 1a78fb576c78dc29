import type { Kysely } from 'kysely';
import type { CheckpointRow, TaskSnapshotRow } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { SETTLED_TASK_STATUSES } from '../statuses.ts';


/**
 * Records a checkpoint and stamps every settled task not yet in one with its id; returns the
 * settled count: the job's previous checkpoint's plus those stamped now. Each part reads what
 * settled since the last checkpoint (tasks_checkpoint_status_idx), never the whole job.
 */
export function insertCheckpoint(db: Kysely<Database>, jobId: string, row: { checkpointId: string; filePath: string; metadata: unknown }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const previous = await trx.selectFrom('checkpoints').select('task_count').where('job_id', '=', jobId).orderBy('created_at', 'desc').orderBy('checkpoint_id', 'desc').limit(1).executeTakeFirst();
    const stamped = await trx.updateTable('tasks').set({ checkpoint_id: row.checkpointId }).where('job_id', '=', jobId).where('checkpoint_id', 'is', null).where('status', 'in', SETTLED_TASK_STATUSES).executeTakeFirst();
    const taskCount = Number(previous?.task_count ?? 0) + Number(stamped.numUpdatedRows);
    await trx
      .insertInto('checkpoints')
      .values({ checkpoint_id: row.checkpointId, job_id: jobId, task_count: taskCount, file_path: row.filePath, metadata: JSON.stringify(row.metadata), created_at: Date.now() })
      .execute();
    return taskCount;
  });
}

/** Whether a settled task waits for a checkpoint to stamp it (an index probe). */
export async function hasUnstamped(db: Kysely<Database>, jobId: string): Promise<boolean> {
  const row = await db.selectFrom('tasks').select('task_id').where('job_id', '=', jobId).where('checkpoint_id', 'is', null).where('status', 'in', SETTLED_TASK_STATUSES).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Newest first. */
export async function listCheckpoints(db: Kysely<Database>, jobId: string): Promise<CheckpointRow[]> {
  const rows = await db.selectFrom('checkpoints').selectAll().where('job_id', '=', jobId).orderBy('created_at', 'desc').orderBy('checkpoint_id', 'desc').execute();
  return rows.map((r) => ({ checkpointId: r.checkpoint_id, jobId: r.job_id, taskCount: Number(r.task_count), filePath: r.file_path, metadata: r.metadata ? JSON.parse(r.metadata) : null, createdAt: Number(r.created_at) }));
}

/** Replaces a checkpoint's metadata (the checkpointer adds its increment's file once it is stored). */
export async function updateCheckpointMetadata(db: Kysely<Database>, jobId: string, checkpointId: string, metadata: unknown): Promise<void> {
  await db.updateTable('checkpoints').set({ metadata: JSON.stringify(metadata) }).where('job_id', '=', jobId).where('checkpoint_id', '=', checkpointId).execute();
}

export async function deleteCheckpoint(db: Kysely<Database>, jobId: string, checkpointId: string): Promise<void> {
  await db.deleteFrom('checkpoints').where('job_id', '=', jobId).where('checkpoint_id', '=', checkpointId).execute();
}

/**
 * The task table of one job in task order, a page at a time (keyset on task_id): no long read
 * lock, bounded memory. With `upToCheckpoint`, only the tasks that checkpoint or an earlier one
 * stamped (ids sort by time).
 */
export async function* taskSnapshot(db: Kysely<Database>, jobId: string, options: { upToCheckpoint?: string } = {}, pageSize = 5_000): AsyncGenerator<TaskSnapshotRow> {
  const { upToCheckpoint } = options;
  let after: string | undefined;
  for (;;) {
    let query = db
      .selectFrom('tasks')
      .select(['task_id', 'batch_id', 'group_id', 'sheet_name', 'cell_ref', 'source_text', 'target_lang', 'status', 'result', 'error_type', 'error_msg', 'retry_count', 'quality_score', 'qa_flags', 'model_name', 'checkpoint_id'])
      .where('job_id', '=', jobId);
    if (upToCheckpoint) query = query.where('checkpoint_id', 'is not', null).where('checkpoint_id', '<=', upToCheckpoint);
    if (after) query = query.where('task_id', '>', after);
    const rows = await query.orderBy('task_id').limit(pageSize).execute();
    for (const row of rows) yield row;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].task_id;
  }
}
