import type { Kysely } from 'kysely';
import type { CheckpointRow, TaskSnapshotRow } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { SETTLED_TASK_STATUSES } from '../statuses.ts';


/** Records a checkpoint and stamps every settled task not yet in one with its id; returns the settled count. */
export function insertCheckpoint(db: Kysely<Database>, jobId: string, row: { checkpointId: string; filePath: string; metadata: unknown }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const settled = await trx
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', jobId)
      .where('status', 'in', SETTLED_TASK_STATUSES)
      .executeTakeFirstOrThrow();
    const taskCount = Number(settled.n);
    await trx
      .insertInto('checkpoints')
      .values({ checkpoint_id: row.checkpointId, job_id: jobId, task_count: taskCount, file_path: row.filePath, metadata: JSON.stringify(row.metadata), created_at: Date.now() })
      .execute();
    await trx.updateTable('tasks').set({ checkpoint_id: row.checkpointId }).where('job_id', '=', jobId).where('status', 'in', SETTLED_TASK_STATUSES).where('checkpoint_id', 'is', null).execute();
    return taskCount;
  });
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
 * lock, bounded memory. With `checkpointId`, only the tasks that checkpoint stamped.
 */
export async function* taskSnapshot(db: Kysely<Database>, jobId: string, checkpointId?: string, pageSize = 5_000): AsyncGenerator<TaskSnapshotRow> {
  let after = '';
  for (;;) {
    let query = db
      .selectFrom('tasks')
      .select(['task_id', 'batch_id', 'group_id', 'sheet_name', 'cell_ref', 'source_text', 'target_lang', 'status', 'result', 'error_type', 'error_msg', 'retry_count', 'quality_score', 'qa_flags', 'model_name', 'checkpoint_id'])
      .where('job_id', '=', jobId)
      .where('task_id', '>', after);
    if (checkpointId) query = query.where('checkpoint_id', '=', checkpointId);
    const rows = await query.orderBy('task_id').limit(pageSize).execute();
    for (const row of rows) yield row;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].task_id;
  }
}
