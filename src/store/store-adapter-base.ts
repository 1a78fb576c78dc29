import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type CreateTableBuilder, type Dialect, type Kysely, type MigrationResultSet } from 'kysely';
import type { ColumnName, ColumnType, SqlType, StoreAdapter, TableInsert, TableName, UpsertSpec } from './store-adapter.ts';

/** What a back end states about its database once, in its constructor. */
export interface StoreAdapterTraits {
  name: string;
  /** See StoreAdapter.maxParameters. */
  maxParameters: number;
  /** See StoreAdapter.supportsSkipLocked. */
  supportsSkipLocked: boolean;
}

/** Connections a server database's pool opens unless its config says: claims, commits and reads of one process at once. */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The forms most databases share: `on conflict` upserts (SQLite, PostgreSQL), standard casts,
 * `autoincrement`, and Kysely's own migration lock. A back end extends this, states its traits
 * and config once (`super(traits, config)`), and overrides what its database spells otherwise
 * (MySQL: `on duplicate key update`, `cast(? as signed)`; PostgreSQL: identity columns).
 */
export abstract class StoreAdapterBase<Config = unknown> implements StoreAdapter {
  readonly name: string;
  readonly maxParameters: number;
  readonly supportsSkipLocked: boolean;
  /** The back end's own options (file name, connection string, pool size). */
  protected readonly config: Config;
  abstract createDialect(): Dialect;

  readonly largeText: ColumnType = 'text';
  readonly largeBinary: ColumnType = 'blob';

  /** How each SqlType is spelled in `cast(? as …)`. */
  protected readonly castTypes: Record<SqlType, string> = { text: 'text', integer: 'integer', real: 'real' };

  constructor(traits: StoreAdapterTraits, config: Config) {
    this.name = traits.name;
    this.maxParameters = traits.maxParameters;
    this.supportsSkipLocked = traits.supportsSkipLocked;
    this.config = config;
  }

  runMigrations(migrate: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
    return migrate();
  }

  upsert<T extends TableName>(insert: TableInsert<T>, table: T, spec: UpsertSpec<T>): TableInsert<T> {
    const { keys, update, whenNotOlder } = spec;
    const set = Object.fromEntries(update.map((column) => [column, sql.ref(`excluded.${column}`)]));
    return insert.onConflict((oc) => {
      const updating = oc.columns(keys).doUpdateSet(set as never);
      return whenNotOlder ? updating.where(sql.ref(`${table}.${whenNotOlder}`), '<=', sql.ref(`excluded.${whenNotOlder}`)) : updating;
    });
  }

  insertIgnore<T extends TableName>(insert: TableInsert<T>, keys: ColumnName<T>[]): TableInsert<T> {
    return insert.onConflict((oc) => oc.columns(keys).doNothing());
  }

  createTable(db: Kysely<any>, table: string): CreateTableBuilder<string, never> {
    return db.schema.createTable(table);
  }

  identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return column.primaryKey().autoIncrement();
  }

  typed(value: unknown, type: SqlType): unknown {
    return sql`cast(${value} as ${sql.raw(this.castTypes[type])})`;
  }

  /** Standard SQL: the type changes, the nullability stays as it was. */
  async widenColumn(db: Kysely<any>, table: string, column: string, type: ColumnDataType): Promise<void> {
    await db.schema.alterTable(table).alterColumn(column, (c) => c.setDataType(type)).execute();
  }

  /** Index names are per schema: the table is not named. */
  async dropIndex(db: Kysely<any>, index: string, _table: string): Promise<void> {
    await db.schema.dropIndex(index).execute();
  }
}
