import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * `calls`: one row per provider call attempt (answered or not), the source of per-endpoint
 * counts, 429s, errors and latency percentiles in `status` and the API. `job_events`: what the
 * engine decided about a job while it ran (adaptive adjustments, failovers, checkpoints).
 * Neither has a surrogate key: both are appended and read by (job_id, at).
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter
    .createTable(db, 'calls')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('endpoint', 'varchar(64)', (c) => c.notNull())
    .addColumn('model', 'varchar(128)', (c) => c.notNull())
    .addColumn('batch_id', 'varchar(64)')
    .addColumn('items', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('ms', 'integer', (c) => c.notNull())
    .addColumn('prompt_tokens', 'integer', (c) => c.notNull())
    .addColumn('completion_tokens', 'integer', (c) => c.notNull())
    .addColumn('worker_id', 'varchar(64)')
    .execute();
  await db.schema.createIndex('calls_job_idx').on('calls').columns(['job_id', 'at']).execute();

  await adapter
    .createTable(db, 'job_events')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', adapter.largeText)
    .execute();
  await db.schema.createIndex('job_events_job_idx').on('job_events').columns(['job_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_events').ifExists().execute();
  await db.schema.dropTable('calls').ifExists().execute();
}
