import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * `paused_groups`: the groups of a job that workers must not claim (seed 000 §3.2.3 "pause/resume
 * a group"). A row per paused group rather than a flag on every batch of it: pausing a group of
 * 10,000 batches is one insert, and resuming one delete. Claims skip batches whose (job, group)
 * has a row; a job-wide pause is the job's own status (`paused`).
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter
    .createTable(db, 'paused_groups')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('group_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('paused_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('paused_groups_pk', ['job_id', 'group_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('paused_groups').ifExists().execute();
}
