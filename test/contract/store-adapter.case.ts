import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, sql } from 'kysely';
import type { StoreAdapter } from '../../src/store/store-adapter.ts';

/**
 * The StoreAdapter capabilities shared queries rely on, run against every back end on scratch
 * tables of their own (unique names, dropped after). `open` returns a fresh adapter.
 */
export function storeAdapterCases(name: string, open: () => StoreAdapter): void {
  let n = 0;
  const scratch = async (build: (db: Kysely<any>, table: string) => Promise<void>) => {
    const adapter = open();
    const db = new Kysely<any>({ dialect: adapter.createDialect() });
    const table = `scratch_${process.pid}_${n++}`;
    try {
      await adapter
        .createTable(db, table)
        .addColumn('id', 'integer', (c) => adapter.identityColumn(c))
        .addColumn('k', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('v', 'varchar(32)')
        .addColumn('n', 'integer')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('big', adapter.largeText)
        .execute();
      await build(db, table);
    } finally {
      await db.schema.dropTable(table).ifExists().execute();
      await db.destroy();
    }
    return adapter;
  };
  // The capabilities are typed for the store's own tables; these scratch tables stand in for them.
  const as = (value: unknown) => value as never;

  test(`${name}: identity columns number rows; bigint columns read back as numbers`, async () => {
    await scratch(async (db, table) => {
      await db.insertInto(table).values([{ k: 'a', at: 1_700_000_000_000 }, { k: 'b', at: 2 }]).execute();
      const rows = await db.selectFrom(table).select(['id', 'at']).orderBy('id').execute();
      assert.deepEqual(rows, [{ id: 1, at: 1_700_000_000_000 }, { id: 2, at: 2 }]);
      const count = await db.selectFrom(table).select((eb) => eb.fn.countAll().as('c')).executeTakeFirstOrThrow();
      assert.equal(count.c, 2);
    });
  });

  test(`${name}: upsert updates a duplicate, only when not older; insert-ignore skips it`, async () => {
    const adapter = open();
    await scratch(async (db, table) => {
      const upsert = (k: string, v: string, at: number) =>
        adapter.upsert(as(db.insertInto(table).values({ k, v, at })), as(table), { keys: as(['k']), update: as(['v', 'at']), whenNotOlder: as('at') }).execute();
      await upsert('a', 'first', 10);
      await upsert('a', 'newer', 20);
      await upsert('a', 'older', 15);
      await adapter.insertIgnore(as(db.insertInto(table).values({ k: 'a', v: 'ignored', at: 99 })), as(['k'])).execute();
      await adapter.insertIgnore(as(db.insertInto(table).values({ k: 'b', v: 'new', at: 1 })), as(['k'])).execute();
      const rows = await db.selectFrom(table).select(['k', 'v', 'at']).orderBy('k').execute();
      assert.deepEqual(rows, [{ k: 'a', v: 'newer', at: 20 }, { k: 'b', v: 'new', at: 1 }]);
    });
  });

  test(`${name}: typed values in a CASE set integer and text columns, nulls included`, async () => {
    const adapter = open();
    await scratch(async (db, table) => {
      await db.insertInto(table).values([{ k: 'a', at: 1 }, { k: 'b', at: 1 }]).execute();
      const byKey = (values: Record<string, unknown>, type: 'text' | 'integer') =>
        sql`case ${sql.ref('k')} ${sql.join(Object.entries(values).map(([k, v]) => sql`when ${k} then ${adapter.typed(v, type)}`), sql` `)} end`;
      await db.updateTable(table).set({ n: byKey({ a: 7, b: null }, 'integer'), v: byKey({ a: 'x', b: null }, 'text') }).execute();
      const rows = await db.selectFrom(table).select(['k', 'v', 'n']).orderBy('k').execute();
      assert.deepEqual(rows, [{ k: 'a', v: 'x', n: 7 }, { k: 'b', v: null, n: null }]);
    });
  });

  test(`${name}: keys compare byte for byte (case and accents count); a large text holds 300 KB`, async () => {
    await scratch(async (db, table) => {
      const big = '译'.repeat(100_000);
      await db.insertInto(table).values([{ k: 'ui', at: 1, big }, { k: 'UI', at: 1 }, { k: 'ùi', at: 1 }]).execute();
      assert.deepEqual((await db.selectFrom(table).select('k').where('k', '=', 'UI').execute()).map((r) => r.k), ['UI']);
      const stored = await db.selectFrom(table).select('big').where('k', '=', 'ui').executeTakeFirstOrThrow();
      assert.equal(stored.big, big);
    });
  });
}
