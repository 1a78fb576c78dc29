import type { ColumnDataType, ColumnDefinitionBuilder, CreateTableBuilder, Dialect, Expression, Kysely, InsertQueryBuilder, InsertResult, MigrationResultSet } from 'kysely';
import type { Database } from './schema.ts';

/** A table of the store's schema, and the names of its columns. */
export type TableName = keyof Database & string;
export type ColumnName<T extends TableName> = keyof Database[T] & string;
/** An insert into `T` that may take an upsert or an insert-ignore clause. */
export type TableInsert<T extends TableName> = InsertQueryBuilder<Database, T, InsertResult>;

/** The SQL types a bound parameter may need to be given (see StoreAdapter.typed). */
export type SqlType = 'text' | 'integer' | 'real';

/** A column type as a migration spells it: one of Kysely's names, or raw SQL (`mediumtext`). */
export type ColumnType = ColumnDataType | Expression<unknown>;

/** What an insert does on a duplicate of its unique key. */
export interface UpsertSpec<T extends TableName> {
  /** The unique key (primary key or unique index) a duplicate is found by. */
  keys: ColumnName<T>[];
  /** Columns a duplicate takes from the new row; the others keep their stored values. */
  update: ColumnName<T>[];
  /** Only when the new row's value of this column is at least the stored one (a newer row wins). */
  whenNotOlder?: ColumnName<T>;
}

/**
 * What differs between databases, behind capabilities (STYLE practice 3; kysely's
 * dialect-adapter-base.ts is the model). Shared store code asks the adapter; it never tests which
 * database it is talking to, and never writes one database's syntax itself. A back end is one
 * file extending StoreAdapterBase (store-adapter-base.ts) and overriding where it differs.
 */
export interface StoreAdapter {
  readonly name: string;
  /**
   * The Kysely dialect. Its driver must return integer columns (bigint times, token counts) and
   * `count(*)` as JS numbers: PostgreSQL's `pg` returns int8 as strings unless given a type parser,
   * mysql2 as strings with `bigNumberStrings`. Shared code reads row values as they come.
   */
  createDialect(): Dialect;
  /** Most bound parameters one statement may carry (SQLite 32766, MySQL 65535, PostgreSQL 65535). */
  readonly maxParameters: number;
  /**
   * True where `select … for update skip locked` lets many workers claim concurrently; false where
   * the database has a single writer and a plain transaction is already exclusive (SQLite).
   */
  readonly supportsSkipLocked: boolean;
  /**
   * The type of a text column that may hold more than 64 KB (a source cell, a reply, a job's
   * options): `text` where that is unbounded (SQLite, PostgreSQL), `mediumtext` on MySQL. Never
   * indexed: MySQL indexes no text column without a prefix length, so indexed ones are `varchar`.
   */
  readonly largeText: ColumnType;
  /**
   * The type of a binary column holding one chunk of a stored file (at most 1 MB, see
   * files/kysely-file-store.ts): `blob` (SQLite), `bytea` (PostgreSQL), `mediumblob` on MySQL,
   * whose `blob` stops at 64 KB.
   */
  readonly largeBinary: ColumnType;
  /** Runs after the dialect is created and before migrations (pragmas, session settings). */
  prepare?(): Promise<void>;
  /**
   * Runs the migrations so that two processes starting on a fresh database at once do not both
   * create the tables. Kysely's Migrator already takes the database's migration lock where there
   * is one (PostgreSQL advisory lock, MySQL `get_lock`); a database without (SQLite) retries.
   */
  runMigrations(migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet>;
  /**
   * The insert, made to update a duplicate instead of failing: `on conflict … do update` (SQLite,
   * PostgreSQL), `on duplicate key update` (MySQL). One statement, atomic on every database.
   */
  upsert<T extends TableName>(insert: TableInsert<T>, table: T, spec: UpsertSpec<T>): TableInsert<T>;
  /**
   * The insert, made to skip rows that duplicate `keys` instead of failing: `on conflict do
   * nothing` (SQLite, PostgreSQL), `insert ignore` (MySQL). Replaces select-then-insert sequences,
   * which are safe only where writers are serialised.
   */
  insertIgnore<T extends TableName>(insert: TableInsert<T>, keys: ColumnName<T>[]): TableInsert<T>;
  /**
   * `create table`, with the table options the database needs for the store to compare strings
   * as SQLite does (byte for byte): MySQL's default collation would find `A` = `a` in a key.
   */
  createTable(db: Kysely<any>, table: string): CreateTableBuilder<string, never>;
  /**
   * An integer primary key the database numbers itself: `autoincrement` (SQLite),
   * `auto_increment` (MySQL), `generated always as identity` (PostgreSQL).
   */
  identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * A bound value the database must know the type of: PostgreSQL types a parameter in a `case …
   * then $1` as text, so an integer column would refuse it. SQLite, dynamically typed, binds it as it is.
   */
  typed(value: unknown, type: SqlType): unknown;
  /**
   * Gives an existing column a wider type (a longer varchar), keeping its nullability:
   * `alter column … type` (PostgreSQL), `modify column` restating the column (MySQL), nothing on
   * SQLite, which never enforces a declared length.
   */
  widenColumn(db: Kysely<any>, table: string, column: string, type: ColumnDataType, options?: { notNull?: boolean }): Promise<void>;
  /** Drops an index of `table`: `drop index name` (PostgreSQL, SQLite: names are per schema), `… on table` (MySQL: per table). */
  dropIndex(db: Kysely<any>, index: string, table: string): Promise<void>;
}
