import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * The task table carries every seed 000 §3.1 column plus job_id, dedupe_key, qa_flags and
 * lease_until. Portable column types only, so the same migration runs on SQLite, MySQL and
 * PostgreSQL (an identity column and large texts are spelled by the adapter; indexed texts are
 * `varchar`, which MySQL can index). Times are epoch milliseconds (bigint)
 * to avoid three dialects' date semantics.
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter
    .createTable(db, 'jobs')
    .addColumn('job_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('tenant', 'varchar(64)', (c) => c.notNull().defaultTo('default'))
    .addColumn('source_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('source_path', 'varchar(1024)', (c) => c.notNull())
    .addColumn('excel_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('out_path', 'varchar(1024)')
    .addColumn('options', adapter.largeText, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('total_tasks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completed_tasks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('api_calls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('error_msg', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_status_idx').on('jobs').columns(['status', 'created_at']).execute();

  await adapter
    .createTable(db, 'tasks')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('task_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('batch_id', 'varchar(64)')
    .addColumn('group_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('source_lang', 'varchar(35)', (c) => c.notNull())
    .addColumn('source_text', adapter.largeText, (c) => c.notNull())
    .addColumn('source_context', adapter.largeText)
    .addColumn('game_context', adapter.largeText)
    .addColumn('target_lang', 'varchar(35)', (c) => c.notNull())
    .addColumn('target_region', 'varchar(8)')
    .addColumn('excel_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('sheet_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('row_idx', 'integer', (c) => c.notNull())
    .addColumn('col_idx', 'integer', (c) => c.notNull())
    .addColumn('cell_ref', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('worker_id', 'varchar(64)')
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('duration_ms', 'integer')
    .addColumn('result', adapter.largeText)
    .addColumn('confidence', 'real')
    .addColumn('quality_score', 'real')
    .addColumn('token_count', 'integer')
    .addColumn('model_name', 'varchar(128)')
    .addColumn('retry_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_msg', 'text')
    .addColumn('error_type', 'varchar(32)')
    .addColumn('is_persisted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('checkpoint_id', 'varchar(64)')
    .addColumn('persist_time', 'bigint')
    .addColumn('dedupe_key', 'varchar(64)', (c) => c.notNull())
    .addColumn('qa_flags', adapter.largeText)
    .addColumn('lease_until', 'bigint')
    .addPrimaryKeyConstraint('tasks_pk', ['job_id', 'task_id'])
    .execute();
  // No index on status: it changes on every completion, and maintaining one cost more than a
  // third of each commit. Claims go through the batches table; counts scan one job's rows.
  await db.schema.createIndex('tasks_batch_idx').on('tasks').columns(['job_id', 'batch_id', 'dedupe_key']).execute();

  await adapter
    .createTable(db, 'batches')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('batch_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('group_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('lane', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_lang', 'varchar(35)', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('task_count', 'integer', (c) => c.notNull())
    .addColumn('unique_count', 'integer', (c) => c.notNull())
    .addColumn('chars', 'integer', (c) => c.notNull())
    .addColumn('est_input_tokens', 'integer', (c) => c.notNull())
    .addColumn('est_output_tokens', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('worker_id', 'varchar(64)')
    .addColumn('lease_until', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('batches_pk', ['job_id', 'batch_id'])
    .execute();
  await db.schema.createIndex('batches_claim_idx').on('batches').columns(['job_id', 'status', 'priority', 'seq']).execute();

  await adapter
    .createTable(db, 'task_logs')
    .addColumn('log_id', 'integer', (c) => adapter.identityColumn(c))
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('batch_id', 'varchar(64)')
    .addColumn('task_id', 'varchar(32)')
    .addColumn('event', 'varchar(32)', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('worker_id', 'varchar(64)')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('task_logs_job_idx').on('task_logs').columns(['job_id', 'at']).execute();

  await adapter
    .createTable(db, 'checkpoints')
    .addColumn('checkpoint_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('task_count', 'integer', (c) => c.notNull())
    .addColumn('file_path', 'varchar(1024)')
    .addColumn('metadata', adapter.largeText)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await adapter
    .createTable(db, 'workers')
    .addColumn('worker_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('queues', 'varchar(255)', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('heartbeat', 'bigint', (c) => c.notNull())
    .execute();

  await adapter
    .createTable(db, 'translation_memory')
    .addColumn('memory_key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('source_text', adapter.largeText, (c) => c.notNull())
    .addColumn('target_lang', 'varchar(35)', (c) => c.notNull())
    .addColumn('result', adapter.largeText, (c) => c.notNull())
    .addColumn('model_name', 'varchar(128)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await adapter
    .createTable(db, 'glossary')
    .addColumn('term_id', 'integer', (c) => adapter.identityColumn(c))
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('source_term', 'varchar(512)', (c) => c.notNull())
    .addColumn('target_lang', 'varchar(35)', (c) => c.notNull())
    .addColumn('target_term', 'varchar(512)')
    .addColumn('do_not_translate', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['glossary', 'translation_memory', 'workers', 'checkpoints', 'task_logs', 'batches', 'tasks', 'jobs']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
