import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * `memory_pending`: jobs with committed results not yet copied into translation memory. A commit
 * marks its job here (one small row, in the commit's transaction) instead of upserting every text
 * into memory, which cost a third of each commit; the job's results are copied in one statement
 * at the end of its run, or by the next memory lookup when the process died first. The task table
 * holds the results meanwhile, so a crash loses no memory.
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter
    .createTable(db, 'memory_pending')
    .addColumn('job_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('marked_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('memory_pending').ifExists().execute();
}
