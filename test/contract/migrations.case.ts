import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, Migrator } from 'kysely';
import { createStore, createStoreAdapter } from '../../src/store/create-store.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';

/**
 * Migrations run on a database that already holds jobs, on every back end: `newUrl` returns the
 * URL of a new, empty database of the test's own. Each test migrates it part way with Kysely's
 * Migrator, writes rows as the older schema had them, then opens the store (which migrates to the
 * latest) and reads them back.
 */
export function migrationCases(name: string, newUrl: () => Promise<string>): void {
  /** The database at `url` migrated up to and including `last`, written to by `write`. */
  async function migratedTo(url: string, last: string, write: (db: Kysely<any>) => Promise<void>): Promise<void> {
    const adapter = await createStoreAdapter(url);
    const db = new Kysely<any>({ dialect: adapter.createDialect() });
    try {
      await adapter.prepare?.();
      const { error } = await new Migrator({ db, provider: migrationProvider(adapter) }).migrateTo(last);
      if (error) throw error;
      await write(db);
    } finally {
      await db.destroy();
    }
  }

  test(`${name}: migration 011 gives jobs stored before it the translation lane; a new job keeps the lane it names`, async () => {
    const url = await newUrl();
    await migratedTo(url, '010-task-checkpoint-index', async (db) => {
      const now = Date.now();
      await db
        .insertInto('jobs')
        .values({ job_id: 'job_old', kind: 'translate', tenant: 'default', source_name: 'old.xlsx', source_path: '/x', excel_id: 'e', out_path: null, options: '{}', status: 'completed', total_tasks: 0, completed_tasks: 0, api_calls: 0, prompt_tokens: 0, completion_tokens: 0, estimated_tokens: 0, error_msg: null, created_at: now, updated_at: now, finished_at: now })
        .execute();
    });
    const store = await createStore(url);
    try {
      assert.equal((await store.getJob('job_old'))?.lane, 'translation');
      await store.createJob({ jobId: 'job_vip', kind: 'translate', lane: 'learning', sourceName: 'new.xlsx', sourcePath: '/y', excelId: 'e', outPath: null, options: {} }, [], []);
      await store.createJob({ jobId: 'job_plain', kind: 'translate', sourceName: 'plain.xlsx', sourcePath: '/z', excelId: 'e', outPath: null, options: {} }, [], []);
      const lanes = Object.fromEntries((await store.listJobs()).map((j) => [j.job_id, j.lane]));
      assert.deepEqual(lanes, { job_old: 'translation', job_vip: 'learning', job_plain: 'translation' });
    } finally {
      await store.close();
    }
  });

  test(`${name}: migration 011 goes down and up again, the lane column with it`, async () => {
    const url = await newUrl();
    await (await createStore(url)).close();
    await migratedTo(url, '010-task-checkpoint-index', async (db) => {
      const columns = (await db.introspection.getTables()).find((t) => t.name === 'jobs')?.columns.map((c) => c.name) ?? [];
      assert.ok(columns.includes('source_file') && !columns.includes('lane'), `down to 010: ${columns.join(', ')}`);
    });
    const store = await createStore(url);
    try {
      await store.createJob({ jobId: 'job_again', kind: 'translate', lane: 'reports', sourceName: 'a.xlsx', sourcePath: '/a', excelId: 'e', outPath: null, options: {} }, [], []);
      assert.equal((await store.getJob('job_again'))?.lane, 'reports');
    } finally {
      await store.close();
    }
  });
}
