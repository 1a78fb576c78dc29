import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * Incremental checkpoints stamp the tasks settled since the last one (`checkpoint_id is null`)
 * and read a checkpoint's tasks back by its id. Without this index each checkpoint scans the
 * job's whole task range: at a million rows (3M tasks) that made checkpointing grow with the job,
 * not with what changed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_checkpoint_idx').on('tasks').columns(['job_id', 'checkpoint_id']).execute();
}

export async function down(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter.dropIndex(db, 'tasks_checkpoint_idx', 'tasks');
}
