/**
 * A dropped database connection is told apart from every other store error, as the real drivers
 * report it: a pg client whose backend was terminated, a mysql2 connection that was KILLed. A
 * follower retries those reads; any other error goes straight up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { serverStoreSuite } from '../helpers/server-stores.ts';
import { isTransientStoreError, retryTransient } from '../../src/store/transient-errors.ts';

/** The error a query gets on a connection the server dropped under it. */
async function droppedError(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  assert.fail('the query on a dropped connection succeeded');
}

await serverStoreSuite('postgres', (newDatabase) => {
  test('pg: a query on a terminated backend fails transient; a syntax error does not', async () => {
    const url = await newDatabase();
    const victim = new pg.Client({ connectionString: url });
    victim.on('error', () => {});
    await victim.connect();
    const { rows } = await victim.query('select pg_backend_pid() pid');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Caught from the start: the rejection may come before the kill's own answer.
      const during = droppedError(() => victim.query('select pg_sleep(5)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.query('select pg_terminate_backend($1)', [rows[0].pid]);
      const error = await during;
      assert.equal(isTransientStoreError(error), true, String(error));
      assert.equal(isTransientStoreError(await droppedError(() => admin.query('selec 1'))), false);
    } finally {
      await admin.end();
      await victim.end().catch(() => undefined);
    }
  });
});

await serverStoreSuite('mysql', (newDatabase) => {
  test('mysql2: a query on a KILLed connection fails transient; an unknown table does not', async () => {
    const url = await newDatabase();
    const victim = await mysql.createConnection({ uri: url });
    victim.on('error', () => {});
    const admin = await mysql.createConnection({ uri: url });
    try {
      const [[{ id }]] = (await victim.query('select connection_id() id')) as unknown as [[{ id: number }]];
      // Caught from the start: the rejection may come before the kill's own answer.
      const during = droppedError(() => victim.query('select sleep(5)'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await admin.query(`kill ${Number(id)}`);
      const error = await during;
      assert.equal(isTransientStoreError(error), true, String(error));
      assert.equal(isTransientStoreError(await droppedError(() => admin.query('select * from no_such_table'))), false);
    } finally {
      await admin.end();
      victim.destroy();
    }
  });
});

test('retryTransient retries a dropped connection until the read answers, and nothing else', async () => {
  let calls = 0;
  const dropped = Object.assign(new Error('Connection terminated unexpectedly'), {});
  assert.equal(
    await retryTransient(async () => {
      if (++calls < 3) throw dropped;
      return 'answered';
    }),
    'answered',
  );
  assert.equal(calls, 3);
  let other = 0;
  await assert.rejects(
    retryTransient(async () => {
      other++;
      throw new Error('syntax error at or near "selec"');
    }),
    /syntax error/,
  );
  assert.equal(other, 1, 'not retried');
});
