import type { Kysely } from 'kysely';

/**
 * `calls.wait_ms`: the time an attempt waited at its endpoint's limiter before it was sent. Until
 * now `ms` held wait and call together, so under a binding rate limit a provider answering in
 * 0.8 s showed 10 s latencies; from here `ms` is the HTTP call alone. Older rows keep their
 * combined `ms` and a null wait (which the percentiles skip), since the two cannot be told apart.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('wait_ms', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('wait_ms').execute();
}
