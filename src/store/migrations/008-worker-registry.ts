import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * `worker_registry` (seed 001): every `fanyi worker` process on any machine, with what it listens
 * to and what it works on now. A worker writes its row at start and every heartbeat (10 s), and
 * deletes it when it stops; a row whose heartbeat is older than a few intervals is a dead worker
 * (SIGKILL, a lost machine) and is left out of reads and pruned. The table of migration 001,
 * `workers`, had no pid, name or batches and was never written; it stays for older databases.
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter
    .createTable(db, 'worker_registry')
    .addColumn('worker_id', 'varchar(191)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(191)', (c) => c.notNull())
    .addColumn('host', 'varchar(191)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('lanes', 'varchar(255)', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('current_batches', adapter.largeText, (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('worker_registry').ifExists().execute();
}
