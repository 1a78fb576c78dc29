import type { Kysely } from 'kysely';

/**
 * `jobs.lane`: the queue lane a job runs on (queue/queue-lanes.ts; seed 003's `translation`,
 * `insight_extraction`, `theme_extraction`, `learning`, `reports`). Its batches go to that lane's
 * queue, workers subscribe to lanes, and the rate limiter serves the lanes by priority. Jobs
 * stored before it are translate jobs: the default `translation` makes them so. Not the
 * `batches.lane` of migration 001, a batch's length class.
 *
 * One spelling serves every database, so it needs no adapter capability: `add column … not null
 * default '…'` fills the existing rows on SQLite (which allows a not-null column only with a
 * default), PostgreSQL and MySQL/MariaDB alike, and Kysely writes the default as a literal. The
 * column takes the table's collation (byte for byte on MySQL, see StoreAdapter.createTable).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('lane', 'varchar(32)', (c) => c.notNull().defaultTo('translation')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('lane').execute();
}
