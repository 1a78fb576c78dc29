import type { Kysely, Transaction } from 'kysely';
import type { GlossaryTermRow } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { chunks } from '../sql-chunks.ts';
import type { StoreAdapter } from '../store-adapter.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Remembered results by dedupe key (which is the memory key: see split-tasks.ts textHash). Jobs
 * whose results are not in memory yet (a process that died before its run ended) are copied in
 * first, so no committed result is ever missing from a lookup.
 */
export async function lookupMemory(db: Kysely<Database>, adapter: StoreAdapter, keys: readonly string[]): Promise<Map<string, string>> {
  await rememberPendingJobs(db, adapter);
  return readMemory(db, adapter, keys);
}

/** The lookup alone, for a caller that copied pending jobs in first (one inside a transaction cannot: see rememberJob). */
export async function readMemory(db: Kysely<Database>, adapter: StoreAdapter, keys: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunks([...keys], adapter.maxParameters - 10)) {
    const rows = await db.selectFrom('translation_memory').select(['memory_key', 'result']).where('memory_key', 'in', chunk).execute();
    for (const row of rows) found.set(row.memory_key, row.result);
  }
  return found;
}

/**
 * Marks the job as having results to remember: inside each commit's transaction, so a committed
 * result is always either in memory or in a marked job's task rows.
 */
export async function markMemoryPending(trx: Transaction<Database>, adapter: StoreAdapter, jobId: string, now: number): Promise<void> {
  await adapter.insertIgnore(trx.insertInto('memory_pending').values({ job_id: jobId, marked_at: now }), ['job_id']).execute();
}

/** Remembers the results of every marked job (see rememberJob). */
export async function rememberPendingJobs(db: Kysely<Database>, adapter: StoreAdapter): Promise<void> {
  const pending = await db.selectFrom('memory_pending').select('job_id').execute();
  for (const { job_id } of pending) await rememberJob(db, adapter, job_id);
}

/**
 * Copies the job's completed results into translation memory in one statement, one row per text
 * (its source and language read from the task rows), and clears its mark in the same transaction.
 * Results held for review are not remembered, nor tasks answered from memory (they have no end
 * time). A newer translation of a text replaces an older one, whichever job is copied last.
 */
export async function rememberJob(db: Kysely<Database>, adapter: StoreAdapter, jobId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // First: a commit after this point marks the job again (in PostgreSQL it waits on this row).
    await trx.deleteFrom('memory_pending').where('job_id', '=', jobId).execute();
    const copy = trx
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
            s.fn.max('end_time').as('created_at'),
          ])
          .where('job_id', '=', jobId)
          .where('status', '=', 'completed')
          .where('end_time', 'is not', null)
          .where('result', '!=', '')
          // One row per key: PostgreSQL refuses to upsert the same key twice in one statement.
          .groupBy('dedupe_key'),
      );
    await adapter.upsert(copy, 'translation_memory', { keys: ['memory_key'], update: ['result', 'model_name', 'created_at'], whenNotOlder: 'created_at' }).execute();
  });
}

export async function saveGlossary(db: Kysely<Database>, adapter: StoreAdapter, version: string, rows: readonly GlossaryTermRow[]): Promise<void> {
  // Insert-ignore on (version, source_term, target_lang) (migration 009), not select-then-insert:
  // two processes storing one version at once both succeed, and the rows are there once. A
  // version's rows are unique in that key by construction (one entry per source term, one term
  // per language: tasks/glossary/read-glossary.ts).
  await db.transaction().execute(async (trx) => {
    for (const chunk of chunks([...rows], Math.floor(adapter.maxParameters / 6) - 1)) {
      await adapter.insertIgnore(trx.insertInto('glossary').values(chunk.map((row) => ({ ...row, version }))), ['version', 'source_term', 'target_lang']).execute();
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
