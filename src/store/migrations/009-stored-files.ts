import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/** Tables that name a worker, and whether the column is the (not null) key. */
const WORKER_COLUMNS: Array<[table: string, notNull: boolean]> = [
  ['tasks', false],
  ['batches', false],
  ['task_logs', false],
  ['calls', false],
  ['workers', true],
  // The registry's id is a worker id without its slot (queue/bullmq/bullmq-worker-host.ts).
  ['worker_registry', true],
];

/**
 * Room for every worker id: `host:pid@starttime:n` (queue/local/worker-id.ts) with a host name
 * of up to 253 characters does not fit the varchar(64) of 001/002; PostgreSQL and MySQL refuse
 * such a value (SQLite never checked).
 */
export const WORKER_ID_TYPE = 'varchar(320)';

/**
 * Files every worker and API server can read (issue 14): source workbooks and uploads,
 * content-addressed (`file_id` = sha256 of the bytes + extension), in chunks of at most 1 MB
 * because one bound value is limited (MariaDB's max_allowed_packet, 16 MB by default). A
 * `stored_files` row is written after all its chunks: it marks the file complete, so a writer
 * that died half-way leaves no file that looks whole. `uploads` holds API upload sessions (the
 * bytes are a stored file), so server B can start a translate of an upload made on server A.
 * `jobs.source_file` names the job's source among the stored files; older jobs keep
 * `source_path`, a path on the machine that made them. A glossary row gets a unique key, so two
 * processes storing one glossary version insert-ignore instead of checking first.
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter
    .createTable(db, 'stored_files')
    .addColumn('file_id', 'varchar(80)', (c) => c.primaryKey())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await adapter
    .createTable(db, 'stored_file_chunks')
    .addColumn('file_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', adapter.largeBinary, (c) => c.notNull())
    .addPrimaryKeyConstraint('stored_file_chunks_pk', ['file_id', 'seq'])
    .execute();
  await adapter
    .createTable(db, 'uploads')
    .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant', 'varchar(64)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('file_id', 'varchar(80)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('jobs').addColumn('source_file', 'varchar(80)').execute();
  for (const [table, notNull] of WORKER_COLUMNS) await adapter.widenColumn(db, table, 'worker_id', WORKER_ID_TYPE, { notNull });
  // The key a glossary row is stored under once (queries/memory-queries.ts saveGlossary's insert-ignore).
  await db.schema.createIndex('glossary_term_idx').unique().on('glossary').columns(['version', 'source_term', 'target_lang']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('glossary_term_idx').ifExists().execute();
  await db.schema.alterTable('jobs').dropColumn('source_file').execute();
  for (const table of ['uploads', 'stored_file_chunks', 'stored_files']) await db.schema.dropTable(table).ifExists().execute();
}
