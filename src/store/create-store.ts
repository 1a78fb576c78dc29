import type { JobStore } from './job-store.ts';
import { KyselyJobStore } from './kysely-job-store.ts';
import { SqliteStoreAdapter } from './sqlite/sqlite-store-adapter.ts';
import type { SqliteStoreConfig } from './sqlite/sqlite-store-config.ts';

/** The embedded store: SQLite in a file, migrated and ready. */
export async function createSqliteStore(config: SqliteStoreConfig): Promise<JobStore> {
  const store = new KyselyJobStore(new SqliteStoreAdapter(config));
  await store.migrate();
  return store;
}
