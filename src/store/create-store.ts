import path from 'node:path';
import { FanyiError } from '../errors.ts';
import type { JobStore } from './job-store.ts';
import { KyselyJobStore } from './kysely-job-store.ts';
import { SqliteStoreAdapter } from './sqlite/sqlite-store-adapter.ts';
import type { SqliteStoreConfig } from './sqlite/sqlite-store-config.ts';
import type { StoreAdapter } from './store-adapter.ts';
import { parseStoreUrl, redactUrl, type StoreTarget } from './store-url.ts';
import { DiskFileStore } from './files/disk-file-store.ts';
import type { FileStore } from './files/file-store.ts';

/** The embedded store: SQLite in a file, migrated and ready. */
export async function createSqliteStore(config: SqliteStoreConfig): Promise<JobStore> {
  const store = new KyselyJobStore(new SqliteStoreAdapter(config));
  await store.migrate();
  return store;
}

/**
 * The store a URL names, migrated and ready. The PostgreSQL and MySQL drivers are imported only
 * when their URL is given, so an embedded run never loads them (STYLE practice 5).
 */
export async function createStore(url: string): Promise<JobStore> {
  return openKyselyStore(url);
}

/** A store and where its job sources live. */
export interface OpenedStore {
  store: JobStore;
  files: FileStore;
}

/**
 * The store a target names and its files: beside a SQLite database they stay in the files dir
 * (one machine, and no database grown by every workbook); with PostgreSQL or MySQL they go into
 * the database, so any machine with the URL reads them (a local copy is kept in the files dir).
 */
export async function openStore(target: Pick<StoreTarget, 'url' | 'filesDir'>): Promise<OpenedStore> {
  const store = await openKyselyStore(target.url);
  const sources = sourcesDir(target.filesDir);
  return { store, files: parseStoreUrl(target.url).kind === 'sqlite' ? new DiskFileStore(sources) : store.fileStore(sources) };
}

/** Where a files dir keeps stored files (a SQLite store's own, or another store's local copies). */
export function sourcesDir(filesDir: string): string {
  return path.join(filesDir, 'sources');
}

/** The adapter of the database a URL names (its driver loaded only now). */
export async function createStoreAdapter(url: string): Promise<StoreAdapter> {
  const location = parseStoreUrl(url);
  return location.kind === 'sqlite' ? new SqliteStoreAdapter({ filename: location.filename }) : serverAdapter(location);
}

/** The store of a URL as its class, for what the JobStore contract leaves out (its FileStore). */
export async function openKyselyStore(url: string): Promise<KyselyJobStore> {
  const location = parseStoreUrl(url);
  if (location.kind === 'sqlite') {
    const store = new KyselyJobStore(new SqliteStoreAdapter({ filename: location.filename }));
    await store.migrate();
    return store;
  }
  const store = new KyselyJobStore(await serverAdapter(location));
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw unreachable(location.url, error);
  }
  return store;
}

async function serverAdapter(location: { kind: 'postgres' | 'mysql'; url: string }): Promise<StoreAdapter> {
  if (location.kind === 'postgres') {
    const { PostgresStoreAdapter } = await import('./postgres/postgres-store-adapter.ts');
    return new PostgresStoreAdapter({ connectionString: location.url });
  }
  const { MysqlStoreAdapter } = await import('./mysql/mysql-store-adapter.ts');
  return new MysqlStoreAdapter({ uri: location.url });
}

/** Failures of reaching or logging in to the database, as pg and mysql2 word them. */
const CONNECT_FAILURE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|authentication failed|Access denied|database "[^"]*" does not exist|Unknown database/i;

/** A store that does not answer (or refuses us) is the user's to fix: say where, never with the password. */
function unreachable(url: string, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!CONNECT_FAILURE.test(message)) return error;
  const reason = redactUrl(message.replace(/^store migration \S+ failed: /, ''));
  return new FanyiError('STORE_UNAVAILABLE', `cannot open the store at ${redactUrl(url)}: ${reason}; check that the database is running and the URL is right (--store, FANYI_STORE_URL or store.url)`, { cause: error });
}
