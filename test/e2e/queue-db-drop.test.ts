/**
 * Issue 14 fault: the database drops every connection mid-job (PostgreSQL's
 * pg_terminate_backend, MySQL/MariaDB's KILL, on each session of the store's database, twice). The workers and the
 * submitter must carry on with new connections, the job must complete with every cell right, and
 * only texts in flight at a drop (their commit lost with the connection) may be sent again.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describeResult, makeTempDir, runCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { REDIS_URL, startWorker, uniquePrefix } from '../helpers/queue-workers.ts';
import { deleteKeys } from '../helpers/redis-server.ts';
import { serverStoreSuite, type ServerKind } from '../helpers/server-stores.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells } from '../helpers/string-table.ts';

const KEY = 'sk-queue-db-drop-3c9e';
const WORKERS = 2;
const CONCURRENCY = 2;
const BATCH = 2;

for (const kind of ['postgres', 'mysql'] as const) await dropSuite(kind);

async function dropSuite(kind: ServerKind): Promise<void> {
  await serverStoreSuite(kind, (newDatabase) => {
    let temp: Awaited<ReturnType<typeof makeTempDir>>;
    let provider: SimulatedProvider;
    const prefix = uniquePrefix(`dbdrop-${kind}`);
    const env = { OPENAI_API_KEY: KEY, FANYI_QUEUE_PREFIX: prefix };

    before(async () => {
      temp = await makeTempDir(`fanyi-queue-dbdrop-${kind}-`);
      provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 250 });
      await writeFile(path.join(temp.dir, 'fanyi.yaml'), `llm:\n  batch_control: { max_batch_size: ${BATCH} }\n`);
    });

    after(async () => {
      await provider?.close();
      await deleteKeys(REDIS_URL, prefix);
      await temp?.cleanup();
    });

    test('every connection to the store dropped twice mid-job: the job completes, every cell right, only in-flight texts sent again', async () => {
      const store = await newDatabase();
      const common = ['--store', store, '--queue', REDIS_URL];
      const workers: CliProcess[] = [];
      try {
        for (let n = 1; n <= WORKERS; n++) workers.push(await startWorker([...common, '--concurrency', String(CONCURRENCY), '--name', `d${n}`], env, temp.dir));
        const table = await writeStringTable(path.join(temp.dir, 'drop.xlsx'), uniqueTexts(40).map((t) => `${t} drop`));
        const out = path.join(temp.dir, 'drop.out.xlsx');
        const submit = runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--json', ...common, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 150_000 });
        let dropped = 0;
        for (const afterCalls of [4, 10]) {
          const deadline = Date.now() + 60_000;
          while (provider.stats.requests < afterCalls) {
            assert.ok(Date.now() < deadline, `stalled at ${provider.stats.requests} calls after a drop; workers: ${workers.map((w) => w.output.stderr.slice(-800)).join(' | ')}`);
            await sleep(25);
          }
          dropped += await dropConnections(kind, store);
        }
        const run = await submit;
        assert.equal(run.code, 0, describeResult(run));
        assert.ok(dropped >= WORKERS, `connections dropped: ${dropped}`);
        assert.deepEqual(await wrongCells(out, table.expected), []);
        const again = [...provider.stats.translatedIds].filter(([, n]) => n > 1);
        // At most what was in flight at the two drops: every slot of every worker, a batch each.
        assert.ok(again.length <= 2 * WORKERS * CONCURRENCY * BATCH, `${again.length} texts sent again`);
      } finally {
        for (const worker of workers) worker.child.kill('SIGKILL');
      }
    });
  });
}

/** Terminates every other session on the store's database; returns how many there were. */
async function dropConnections(kind: ServerKind, url: string): Promise<number> {
  if (kind === 'mysql') {
    const connection = await mysql.createConnection({ uri: url });
    try {
      const [rows] = await connection.query('select id from information_schema.processlist where db = database() and id <> connection_id()');
      const ids = (rows as Array<{ id: number }>).map((r) => r.id);
      // A session may end between the list and its KILL: that one is gone anyway.
      for (const id of ids) await connection.query(`kill ${Number(id)}`).catch(() => undefined);
      return ids.length;
    } finally {
      await connection.end();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.length;
  } finally {
    await client.end();
  }
}
