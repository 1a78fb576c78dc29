import { sql, type Kysely, type Transaction } from 'kysely';
import type { GlossaryTermRow, ItemResult } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { chunks } from '../sql-chunks.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Remembered results by dedupe key (which is the memory key: see split-tasks.ts textHash). */
export async function lookupMemory(db: Db, keys: readonly string[], maxParameters: number): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunks([...keys], maxParameters - 10)) {
    const rows = await db.selectFrom('translation_memory').select(['memory_key', 'result']).where('memory_key', 'in', chunk).execute();
    for (const row of rows) found.set(row.memory_key, row.result);
  }
  return found;
}

/**
 * Remembers the completed results of one commit: one upsert statement per chunk, one row per
 * text, its source and language read from the task rows the same transaction just wrote. Results
 * held for review are not remembered; a newer translation of a text replaces the older one.
 */
export async function rememberResults(trx: Transaction<Database>, jobId: string, batchId: string, results: readonly ItemResult[], now: number): Promise<void> {
  const keys = results.filter((r) => r.status !== 'needs_review' && r.result).map((r) => r.dedupeKey);
  if (!keys.length) return;
  await trx
    .insertInto('translation_memory')
    .columns(['memory_key', 'source_text', 'target_lang', 'result', 'model_name', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('tasks')
        .select((s) => [
          'dedupe_key',
          s.fn.min('source_text').as('source_text'),
          s.fn.min('target_lang').as('target_lang'),
          s.fn.min('result').as('result'),
          s.fn.min('model_name').as('model_name'),
          sql<number>`${now}`.as('created_at'),
        ])
        .where('job_id', '=', jobId)
        .where('batch_id', '=', batchId)
        .where('dedupe_key', 'in', keys)
        .where('status', '=', 'completed')
        // One row per key: PostgreSQL refuses to upsert the same key twice in one statement.
        .groupBy('dedupe_key'),
    )
    .onConflict((oc) =>
      oc.column('memory_key').doUpdateSet((eb) => ({
        result: eb.ref('excluded.result'),
        model_name: eb.ref('excluded.model_name'),
        created_at: eb.ref('excluded.created_at'),
      })),
    )
    .execute();
}

export async function saveGlossary(db: Kysely<Database>, version: string, rows: readonly GlossaryTermRow[], maxParameters: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('glossary').select('term_id').where('version', '=', version).limit(1).executeTakeFirst();
    if (existing) return;
    for (const chunk of chunks([...rows], Math.floor(maxParameters / 6) - 1)) {
      await trx.insertInto('glossary').values(chunk.map((row) => ({ ...row, version }))).execute();
    }
  });
}

export function loadGlossary(db: Db, version: string): Promise<GlossaryTermRow[]> {
  return db
    .selectFrom('glossary')
    .select(['source_term', 'target_lang', 'target_term', 'do_not_translate', 'note'])
    .where('version', '=', version)
    .orderBy('term_id')
    .execute();
}
