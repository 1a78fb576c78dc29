import { MysqlDialect, sql, type ColumnDataType, type CreateTableBuilder, type Dialect, type Kysely } from 'kysely';
import { createPool } from 'mysql2';
import { DEFAULT_POOL_SIZE, StoreAdapterBase } from '../store-adapter-base.ts';
import type { ColumnName, ColumnType, TableInsert, TableName, UpsertSpec } from '../store-adapter.ts';
import type { MysqlStoreConfig } from './mysql-store-config.ts';

/**
 * MySQL 8 and MariaDB 10.11 through `mysql2` (one spelling serves both). What differs from the
 * base: upserts are `on duplicate key update`, texts that may pass 64 KB are `mediumtext`, and no
 * parameter needs a cast (mysql2 inlines parameters as typed literals). Numbers: `decimalNumbers`
 * reads `avg`/`sum` (DECIMAL) as JS numbers, `supportBigNumbers` BIGINT beyond 2^53 as strings
 * rather than wrong numbers (ours never are: epoch ms and token counts).
 */
export class MysqlStoreAdapter extends StoreAdapterBase<MysqlStoreConfig> {
  /** `text` holds 64 KB, which a long cell in UTF-8, a long reply or a job's options can pass. */
  override readonly largeText: ColumnType = sql`mediumtext`;
  /** `blob` holds 64 KB; a file chunk is up to 1 MB (16 MB fit, as does MariaDB's default max_allowed_packet). */
  override readonly largeBinary: ColumnType = sql`mediumblob`;

  constructor(config: MysqlStoreConfig) {
    // skip locked: InnoDB, MySQL 8.0.1+ and MariaDB 10.6+.
    super({ name: 'mysql', maxParameters: 65_535, supportsSkipLocked: true }, config);
  }

  createDialect(): Dialect {
    const pool = createPool({ uri: this.config.uri, connectionLimit: this.config.poolSize ?? DEFAULT_POOL_SIZE, charset: 'utf8mb4', decimalNumbers: true, supportBigNumbers: true, bigNumberStrings: false });
    return new MysqlDialect({ pool });
  }

  /**
   * Binary collation: the server's default (`utf8mb4_general_ci`, or `_0900_ai_ci` on MySQL 8)
   * compares ids, keys and group names ignoring case and accents, which SQLite and PostgreSQL do not.
   */
  override createTable(db: Kysely<any>, table: string): CreateTableBuilder<string, never> {
    return super.createTable(db, table).modifyEnd(sql`default character set utf8mb4 collate utf8mb4_bin`);
  }

  /**
   * `on duplicate key update c = values(c)`: `values()` is deprecated in MySQL 8.0.20 in favour
   * of a row alias that MariaDB does not have. MySQL assigns left to right and later assignments
   * see earlier ones, so `whenNotOlder`'s column compares against the stored value in every
   * condition and is itself assigned last.
   */
  override upsert<T extends TableName>(insert: TableInsert<T>, _table: T, spec: UpsertSpec<T>): TableInsert<T> {
    const { update, whenNotOlder } = spec;
    const ordered = whenNotOlder ? [...update.filter((c) => c !== whenNotOlder), ...update.filter((c) => c === whenNotOlder)] : update;
    const assign = (column: string) =>
      whenNotOlder ? sql`if(${sql.ref(whenNotOlder)} <= values(${sql.ref(whenNotOlder)}), values(${sql.ref(column)}), ${sql.ref(column)})` : sql`values(${sql.ref(column)})`;
    return insert.onDuplicateKeyUpdate(Object.fromEntries(ordered.map((column) => [column, assign(column)])) as never);
  }

  /**
   * A duplicate key assigns a key column to itself (a no-op). Not `insert ignore`: that also
   * turns a too-long value or a bad type into a warning and stores something else.
   */
  override insertIgnore<T extends TableName>(insert: TableInsert<T>, keys: ColumnName<T>[]): TableInsert<T> {
    return insert.onDuplicateKeyUpdate({ [keys[0]]: sql.ref(keys[0]) } as never);
  }

  /** `modify column` replaces the whole definition: the nullability is stated again, or it would become nullable. */
  override async widenColumn(db: Kysely<any>, table: string, column: string, type: ColumnDataType, options: { notNull?: boolean } = {}): Promise<void> {
    await db.schema.alterTable(table).modifyColumn(column, type, (c) => (options.notNull ? c.notNull() : c)).execute();
  }

  /** MySQL's index names are per table: `drop index name on table`. */
  override async dropIndex(db: Kysely<any>, index: string, table: string): Promise<void> {
    await db.schema.dropIndex(index).on(table).execute();
  }

  /** mysql2 inlines parameters as literals of their JS type: a CASE needs no cast. */
  override typed(value: unknown): unknown {
    return value;
  }
}
