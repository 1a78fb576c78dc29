/**
 * Issue 14: the three-worker run on a PostgreSQL store and on a MariaDB/MySQL store (a database of
 * this test's own each, dropped afterwards), with a Redis queue; and once with BullMQ's PostgreSQL
 * queue back end instead of Redis. Every cell right, batches on all three workers.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
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

    if (kind === 'postgres') {
      test('a detached job is checkpointed by its workers, and any machine hands out the checkpoint', async () => {
        const store = await newDatabase();
        const common = ['--store', store, '--queue', REDIS_URL];
        const config = path.join(temp.dir, 'checkpoints.yaml');
        await writeFile(config, 'llm:\n  batch_control: { max_batch_size: 2 }\nsystem:\n  checkpoint_interval: 0.5\n');
        const worker = await startWorker([...common, '--config', config, '--concurrency', '1', '--files-dir', path.join(temp.dir, 'worker-files')], env, temp.dir);
        try {
          provider.setOptions({ latencyMs: 200 });
          const table = await writeStringTable(path.join(temp.dir, 'detached.xlsx'), uniqueTexts(30).map((t) => `${t} d`));
          const submit = await runCli(['translate', table.file, '--to', 'pt-BR', '--detach', ...common, '--config', config, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env });
          assert.equal(submit.code, 0, describeResult(submit));
          const jobId = submit.stdout.trim();
          const reader = ['--store', store, '--files-dir', path.join(temp.dir, 'reader-files')];
          let status: { status: string; checkpoints: Array<{ checkpointId: string; taskCount: number }> };
          const deadline = Date.now() + 60_000;
          do {
            await new Promise((resolve) => setTimeout(resolve, 300));
            const run = await runCli(['status', jobId, '--json', ...reader], { cwd: temp.dir, env });
            status = JSON.parse(run.stdout);
          } while (status.status !== 'completed' && Date.now() < deadline);
          assert.equal(status.status, 'completed');
          // Nobody followed the job: the worker took them, every half second of its run.
          assert.ok(status.checkpoints.length >= 2, `${status.checkpoints.length} checkpoints`);
          const [latest] = status.checkpoints;
          const out = path.join(temp.dir, 'from-reader.xlsx');
          const exported = await runCli(['export', jobId, '--checkpoint', latest.checkpointId, '--out', out, ...reader], { cwd: temp.dir, env });
          assert.equal(exported.code, 0, describeResult(exported));
          const wrong = await wrongCells(out, table.expected);
          assert.ok(wrong.length <= table.expected.size - latest.taskCount && wrong.every((line) => line.includes(': null ≠')), wrong.join('\n'));
          const tasks = (await readFile(path.join(temp.dir, 'from-reader.tasks.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { task_id: string });
          assert.equal(new Set(tasks.map((t) => t.task_id)).size, latest.taskCount, 'the task table came from the store, each settled task once');
        } finally {
          worker.child.kill('SIGKILL');
          provider.setOptions({ latencyMs: 50 });
        }
      });
    }

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

    if (kind === 'postgres') {
      test('three workers on a postgres queue with no Redis pace on shares of one budget: a 240 RPM endpoint refuses none', async () => {
        // 4 requests a second with a one-second burst. Three workers each pacing on the whole budget
        // would send up to three times that, and the provider would refuse the excess with 429.
        const store = await newDatabase();
        const common = ['--store', store, '--queue', store];
        const workers: CliProcess[] = [];
        provider.setOptions({ latencyMs: 60, rpm: 240 });
        provider.reset();
        try {
          for (const n of [1, 2, 3]) workers.push(await startWorker([...common, '--concurrency', '2', '--name', `s${n}`], env, temp.dir));
          // Each worker has read the others from the registry (within a second of the last one starting), and says so.
          const third = /this worker paces on 33% of each endpoint's budget \(3 workers online\)/;
          for (const deadline = Date.now() + 30_000; !workers.every((w) => third.test(w.output.stderr)); ) {
            assert.ok(Date.now() < deadline, `the workers did not all take a third: ${workers.map((w) => w.output.stderr).join('\n')}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          const table = await writeStringTable(path.join(temp.dir, 'shares.xlsx'), uniqueTexts(60).map((t) => `${t} s`));
          const out = path.join(temp.dir, 'shares.out.xlsx');
          const run = await runCli(['translate', table.file, '--to', 'pt-BR', '--out', out, '--json', '--rpm', '240', ...common, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 120_000 });
          assert.equal(run.code, 0, describeResult(run));
          assert.deepEqual(await wrongCells(out, new Map([...table.expected].filter(([cell]) => cell.startsWith('Strings!C')))), []);
          const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
          await assertThreeWorkers(store, jobId);
          assert.ok(provider.stats.requests >= 20, `${provider.stats.requests} requests`);
          assert.ok(provider.stats.status429 <= 1, `${provider.stats.status429} of ${provider.stats.requests} requests refused with 429`);
        } finally {
          for (const worker of workers) worker.child.kill('SIGKILL');
          provider.setOptions({ latencyMs: 50, rpm: undefined });
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
