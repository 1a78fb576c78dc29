import { PostgresDialect, type ColumnDefinitionBuilder, type Dialect } from 'kysely';
import pg from 'pg';
import { DEFAULT_POOL_SIZE, StoreAdapterBase } from '../store-adapter-base.ts';
import type { ColumnType } from '../store-adapter.ts';
import type { PostgresStoreConfig } from './postgres-store-config.ts';

/**
 * PostgreSQL through `pg`. What differs from the base: identity columns, and numbers. `pg` hands
 * int8 (bigint times, token sums, `count(*)`) and numeric (`avg`) back as strings, because they
 * may not fit a JS number; ours always do (epoch ms, token counts), and shared code compares them
 * as numbers. The parsers are set on this pool only: `pg.types.setTypeParser` would change them
 * for every other pg user in the process.
 */
export class PostgresStoreAdapter extends StoreAdapterBase<PostgresStoreConfig> {
  /** `bytea`: PostgreSQL has no `blob`. */
  override readonly largeBinary: ColumnType = 'bytea';

  constructor(config: PostgresStoreConfig) {
    // maxParameters: the wire protocol numbers parameters with a 16-bit count.
    super({ name: 'postgres', maxParameters: 65_535, supportsSkipLocked: true }, config);
  }

  createDialect(): Dialect {
    const pool = new pg.Pool({ connectionString: this.config.connectionString, max: this.config.poolSize ?? DEFAULT_POOL_SIZE, types: { getTypeParser: numberParsers } as pg.CustomTypesConfig });
    // A connection the server dropped (a restart, a failover, pg_terminate_backend) reports an
    // `error` event: the pool's for an idle one, the client's own for one checked out between
    // queries. Unheard, either crashes the process (test/e2e/queue-db-drop.test.ts). The query
    // that was running fails on its own; the pool then drops the broken client (not queryable)
    // and the next query opens a new connection.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return new PostgresDialect({ pool });
  }

  /** `generated always as identity`: PostgreSQL has no `autoincrement`. */
  override identityColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return column.generatedAlwaysAsIdentity().primaryKey();
  }
}

const AS_NUMBER = new Set<number>([pg.types.builtins.INT8, pg.types.builtins.NUMERIC]);

function numberParsers(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (AS_NUMBER.has(oid) && format !== 'binary') return Number;
  return pg.types.getTypeParser(oid, format as 'text');
}
