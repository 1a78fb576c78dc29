import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect, type Dialect } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';
import type { SqliteStoreConfig } from './sqlite-store-config.ts';

/** SQLite through better-sqlite3 in WAL mode: one writer, readers never blocked. */
export class SqliteStoreAdapter implements StoreAdapter {
  readonly name = 'sqlite';
  readonly maxParameters = 32_766;
  readonly supportsSkipLocked = false;
  readonly #config: SqliteStoreConfig;

  constructor(config: SqliteStoreConfig) {
    this.#config = config;
  }

  createDialect(): Dialect {
    const { filename, synchronous = 'full' } = this.#config;
    if (filename !== ':memory:') mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
    const database = new Database(filename);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    // Another process (status, a second worker) may hold the write lock briefly.
    database.pragma('busy_timeout = 10000');
    return new SqliteDialect({ database });
  }
}
