/**
 * Issue 14: the three-worker run on a PostgreSQL store and on a MariaDB/MySQL store (a database of
 * this test's own each, dropped afterwards), with a Redis queue; and once with BullMQ's PostgreSQL
 * queue back end instead of Redis. Every cell right, batches on all three workers.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { describeResult, makeTempDir, runCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { REDIS_URL, startWorker, uniquePrefix } from '../helpers/queue-workers.ts';
import { deleteKeys } from '../helpers/redis-server.ts';
import { serverStoreSuite, type ServerKind } from '../helpers/server-stores.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells } from '../helpers/string-table.ts';

const KEY = 'sk-queue-stores-58ab';

for (const kind of ['postgres', 'mysql'] as const) await storeSuite(kind);

async function storeSuite(kind: ServerKind): Promise<void> {
  await serverStoreSuite(kind, (newDatabase) => {
    let temp: Awaited<ReturnType<typeof makeTempDir>>;
    let provider: SimulatedProvider;
    const prefix = uniquePrefix(kind);
    const env = { OPENAI_API_KEY: KEY, FANYI_QUEUE_PREFIX: prefix };

    before(async () => {
      temp = await makeTempDir(`fanyi-queue-${kind}-`);
      provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 50 });
      await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  batch_control: { max_batch_size: 2 }\n');
    });

    after(async () => {
      await provider?.close();
      await deleteKeys(REDIS_URL, prefix);
      await temp?.cleanup();
    });

    const queues = kind === 'postgres' ? ['redis', 'postgres'] : ['redis'];
    for (const queueKind of queues) {
      test(`three workers on a ${kind} store and a ${queueKind} queue: every cell right`, async () => {
        const store = await newDatabase();
        const queue = queueKind === 'redis' ? REDIS_URL : store;
        const common = ['--store', store, '--queue', queue];
        const workers: CliProcess[] = [];
        try {
          for (const n of [1, 2, 3]) workers.push(await startWorker([...common, '--concurrency', '2', '--name', `w${n}`], env, temp.dir));
          const table = await writeStringTable(path.join(temp.dir, `${queueKind}.xlsx`), uniqueTexts(18).map((t) => `${t} ${queueKind}`));
          const out = path.join(temp.dir, `${queueKind}.out.xlsx`);
          const run = await runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--json', ...common, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 120_000 });
          assert.equal(run.code, 0, describeResult(run));
          assert.deepEqual(await wrongCells(out, table.expected), []);
          const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
          if (kind === 'postgres') await assertThreeWorkers(store, jobId);
        } finally {
          for (const worker of workers) worker.child.kill('SIGKILL');
        }
      });
    }
  });
}

async function assertThreeWorkers(url: string, jobId: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("select distinct split_part(worker_id, ':', 2) pid from task_logs where job_id = $1 and event = 'claimed'", [jobId]);
    assert.equal(rows.length, 3, `batches claimed by three worker processes: ${JSON.stringify(rows)}`);
  } finally {
    await client.end();
  }
}
