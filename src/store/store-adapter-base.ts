import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Dialect, type Kysely, type MigrationResultSet } from 'kysely';
import type { ColumnName, ColumnType, SqlType, StoreAdapter, TableInsert, TableName, UpsertSpec } from './store-adapter.ts';

/**
 * The forms most databases share: `on conflict` upserts (SQLite, PostgreSQL), standard casts,
 * `autoincrement`, and Kysely's own migration lock. A back end extends this and overrides what
 * its database spells otherwise (MySQL: `on duplicate key update`, `insert ignore`, `cast(? as
 * signed)`; PostgreSQL: identity columns).
 */
export abstract class StoreAdapterBase implements StoreAdapter {
  abstract readonly name: string;
  abstract readonly maxParameters: number;
  abstract readonly supportsSkipLocked: boolean;
  abstract createDialect(): Dialect;

  readonly largeText: ColumnType = 'text';

  /** How each SqlType is spelled in `cast(? as …)`. */
  protected readonly castTypes: Record<SqlType, string> = { text: 'text', integer: 'integer', real: 'real' };

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
}
