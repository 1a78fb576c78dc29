import type { Kysely } from 'kysely';

/**
 * Tokens fanyi estimated because a reply carried no `usage` (a proxy or local server dropped it):
 * `jobs.estimated_tokens` is the part of the job's prompt + completion tokens that is estimated,
 * `calls.tokens_estimated` (0/1) marks each such call. Status, the summary and `/metrics` say so
 * rather than passing an estimate off as the provider's count. Older rows count as reported.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('estimated_tokens', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('calls').addColumn('tokens_estimated', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('tokens_estimated').execute();
  await db.schema.alterTable('jobs').dropColumn('estimated_tokens').execute();
}
