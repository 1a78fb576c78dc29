import type { Kysely } from 'kysely';

/**
 * Lookups for translation memory and glossaries (tables from 001). Memory rows are found by
 * their primary key (the dedupe key); a job's glossary is read by its version, and a version is
 * written once, so both need only this index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('glossary_version_idx').on('glossary').columns(['version', 'target_lang']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('glossary_version_idx').ifExists().execute();
}
