import { close as closeFile, fdatasync, mkdirSync, open as openFile } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Dialect, type Driver, type MigrationResultSet, type SqliteDialectConfig } from 'kysely';
import { StoreAdapterBase } from '../store-adapter-base.ts';
import type { SqliteStoreConfig } from './sqlite-store-config.ts';

/** SQLite through better-sqlite3 in WAL mode: one writer, readers never blocked. */
export class SqliteStoreAdapter extends StoreAdapterBase<SqliteStoreConfig> {
  constructor(config: SqliteStoreConfig) {
    super({ name: 'sqlite', maxParameters: 32_766, supportsSkipLocked: false }, config);
  }

  /** SQLite never enforces a declared varchar length (and cannot alter a column): nothing to widen. */
  override async widenColumn(): Promise<void> {}

  /**
   * Kysely takes no lock on SQLite, and creates its own tables before its migration transaction:
   * two processes opening a fresh database at once may both try. The loser finds the tables made
   * when it looks again.
   */
  override async runMigrations(migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
    const result = await migrate();
    return result.error ? migrate() : result;
  }

  /** Dynamically typed: a parameter needs no cast, and a CASE over a big batch stays as cheap as it was. */
  override typed(value: unknown): unknown {
    return value;
  }

  createDialect(): Dialect {
    const { filename, flushIntervalMs = 1000 } = this.config;
    const synchronous = (process.env.FANYI_SQLITE_SYNC as 'full' | 'normal' | undefined) ?? this.config.synchronous ?? 'normal';
    if (filename !== ':memory:') mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
    const database = new Database(filename);
    // Larger pages hold more task rows: fewer pages touched per batch commit (takes effect
    // only when the file is created).
    database.pragma('page_size = 16384');
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    // Another process (status, a second worker) may hold the write lock briefly.
    database.pragma('busy_timeout = 10000');
    // The default 2 MB page cache thrashes on a 300k-task job (every commit re-reads index
    // pages); 64 MB holds the hot part of the task table and its indexes.
    database.pragma('cache_size = -65536');
    // Fewer, larger checkpoints: each one fsyncs the database file.
    database.pragma('wal_autocheckpoint = 4000');
    if (synchronous === 'normal' && filename !== ':memory:') flushWalPeriodically(database, `${path.resolve(filename)}-wal`, flushIntervalMs);
    return new ImmediateSqliteDialect({ database: withStatementCache(database) });
  }
}

/**
 * Kysely prepares every query anew; with better-sqlite3 that parse is most of a small query's
 * cost. Statements are reusable once run (we never stream), so cache them by SQL text.
 */
function withStatementCache(database: Database.Database, limit = 500): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = database.prepare.bind(database);
  database.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= limit) cache.clear();
      statement = prepare(source);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof database.prepare;
  return database;
}

/**
 * Group commit for `synchronous=NORMAL`: fsync of any descriptor of the WAL file flushes its
 * dirty pages, so one fdatasync a second bounds what a power cut can take back.
 */
function flushWalPeriodically(database: Database.Database, walPath: string, intervalMs: number): void {
  let isFlushing = false;
  const flush = () => {
    if (!database.open) return clearInterval(timer);
    if (isFlushing) return;
    isFlushing = true;
    const done = () => {
      isFlushing = false;
    };
    // In libuv's thread pool: a synchronous fdatasync held up every commit queued behind it.
    openFile(walPath, 'r', (error, fd) => {
      // No WAL yet (nothing written) or already checkpointed away: nothing to flush.
      if (error) return done();
      fdatasync(fd, () => closeFile(fd, done));
    });
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  const close = database.close.bind(database);
  database.close = () => {
    clearInterval(timer);
    return close();
  };
}

/**
 * Transactions start with BEGIN IMMEDIATE: they take the write lock up front, so a second
 * process on the same file waits (busy_timeout) instead of failing with SQLITE_BUSY when its
 * read-then-write transaction finds the snapshot changed under it.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #settings: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#settings = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#settings);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
