import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { FINISHED_JOB_STATUSES } from '../statuses.ts';

/** Every table that holds a job's rows, children before the job itself. */
const JOB_TABLES = ['tasks', 'batches', 'task_logs', 'calls', 'job_events', 'paused_groups', 'memory_pending', 'checkpoints', 'jobs'] as const;

/** Finished (completed, failed, cancelled) jobs last changed before `before`, oldest first. */
export async function finishedJobsBefore(db: Kysely<Database>, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('jobs')
    .select('job_id')
    .where('status', 'in', FINISHED_JOB_STATUSES)
    .where('updated_at', '<', before)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.job_id);
}

/** Deletes a job and every row of it, in one transaction; returns how many rows went, per table. */
export function deleteJobRows(db: Kysely<Database>, jobId: string): Promise<Record<string, number>> {
  return db.transaction().execute(async (trx) => {
    const deleted: Record<string, number> = {};
    for (const table of JOB_TABLES) {
      const result = await trx.deleteFrom(table).where('job_id', '=', jobId).executeTakeFirst();
      deleted[table] = Number(result.numDeletedRows);
    }
    return deleted;
  });
}

/** Upload sessions made before `before` that never became a job. */
export async function staleUploads(db: Kysely<Database>, before: number, limit: number): Promise<Array<{ sessionId: string; fileId: string }>> {
  const rows = await db
    .selectFrom('uploads')
    .select(['session_id', 'file_id'])
    .where('created_at', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('jobs').select('job_id').whereRef('jobs.job_id', '=', 'uploads.session_id'))))
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ sessionId: r.session_id, fileId: r.file_id }));
}

/**
 * Whether any job, upload or checkpoint still names the stored file. Files are content-addressed,
 * so two jobs of the same workbook share a source, and identical checkpoint increments (two runs
 * of one file, or empty ones) share a file: a job's files go only when nothing else names them.
 * Checkpoints name their increments inside their JSON metadata, matched as text.
 */
export async function isFileReferenced(db: Kysely<Database>, fileId: string): Promise<boolean> {
  const job = await db.selectFrom('jobs').select('job_id').where('source_file', '=', fileId).limit(1).executeTakeFirst();
  if (job) return true;
  const upload = await db.selectFrom('uploads').select('session_id').where('file_id', '=', fileId).limit(1).executeTakeFirst();
  if (upload) return true;
  const checkpoint = await db.selectFrom('checkpoints').select('checkpoint_id').where('metadata', 'like', `%"${fileId}"%`).limit(1).executeTakeFirst();
  return checkpoint !== undefined;
}
