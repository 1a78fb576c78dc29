import type { Dialect } from 'kysely';

/**
 * What differs between databases, behind capability flags (STYLE practice 3). Shared store
 * code asks the adapter; it never tests which database it is talking to.
 */
export interface StoreAdapter {
  readonly name: string;
  createDialect(): Dialect;
  /** Most bound parameters one statement may carry (SQLite 32766, MySQL 65535, PostgreSQL 65535). */
  readonly maxParameters: number;
  /**
   * True where `select … for update skip locked` lets many workers claim concurrently; false where
   * the database has a single writer and a plain transaction is already exclusive (SQLite).
   */
  readonly supportsSkipLocked: boolean;
  /** Runs after the dialect is created and before migrations (pragmas, session settings). */
  prepare?(): Promise<void>;
}
