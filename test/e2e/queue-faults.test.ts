/**
 * Issue 14 faults and ordering on a `redis-server` of this test's own (no persistence, so a
 * restart loses every queue entry): a high-priority job's batches go before a normal job's
 * queued earlier; Redis restarted mid-job, workers and submitter reconnect and the job completes
 * from the task table; a cancel aborts the in-flight calls on every worker.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { createEmbeddedEngine } from '../../src/presets.ts';
import { describeResult, makeTempDir, runCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { startWorker } from '../helpers/queue-workers.ts';
import { ownRedis, type OwnRedis } from '../helpers/redis-server.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells } from '../helpers/string-table.ts';

const KEY = 'sk-queue-faults-3c9a';

describe('queue faults on a private redis-server', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let redis: OwnRedis;
  const workers: CliProcess[] = [];
  let db: string;
  const env = { OPENAI_API_KEY: KEY };
  const common = () => ['--db', db, '--queue', redis.url];
  const sim = () => ['--base-url', provider.baseUrl, '--model', 'sim-model'];

  before(async () => {
    temp = await makeTempDir('fanyi-queue-faults-');
    db = path.join(temp.dir, 'fanyi.db');
    provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 50 });
    redis = await ownRedis();
    await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  batch_control: { max_batch_size: 3 }\n');
  });

  after(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await redis?.kill();
    await provider?.close();
    await temp?.cleanup();
  });

  test('a high job queued after a normal one runs first', async () => {
    const normal = await writeStringTable(path.join(temp.dir, 'normal.xlsx'), uniqueTexts(12).map((t) => `${t} n`));
    const high = await writeStringTable(path.join(temp.dir, 'high.xlsx'), uniqueTexts(12).map((t) => `${t} h`));
    const ids: string[] = [];
    for (const [table, priority] of [[normal, 'normal'], [high, 'high']] as const) {
      const run = await runCli(['translate', table.file, '--to', 'pt-BR', '--detach', '--priority', priority, ...common(), ...sim()], { cwd: temp.dir, env });
      assert.equal(run.code, 0, describeResult(run));
      ids.push(run.stdout.trim());
    }
    workers.push(await startWorker([...common(), '--concurrency', '1', '--name', 'only'], env, temp.dir));
    await until(() => (jobStatus(db, ids[0]) === 'completed' && jobStatus(db, ids[1]) === 'completed' ? true : undefined), 60_000);
    const claims = withReadonlyDb(db, (d) => d.prepare("select job_id from task_logs where event = 'claimed' and job_id in (?, ?) order by log_id").all(ids[0], ids[1])) as Array<{ job_id: string }>;
    const order = claims.map((c) => (c.job_id === ids[1] ? 'H' : 'N')).join('');
    assert.match(order, /^H+N+$/, `every batch of the high job before the normal one's: ${order}`);
  });

  test('Redis restarted empty mid-job: workers and submitter reconnect, the job completes with every cell right', async () => {
    workers.push(await startWorker([...common(), '--concurrency', '2', '--name', 'second'], env, temp.dir));
    provider.setOptions({ latencyMs: 300 });
    const table = await writeStringTable(path.join(temp.dir, 'restart.xlsx'), uniqueTexts(24).map((t) => `${t} r`));
    const out = path.join(temp.dir, 'restart.out.xlsx');
    const submit = runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--json', ...common(), ...sim()], { cwd: temp.dir, env, timeoutMs: 120_000 });
    await until(() => (completedTasks(db, 'restart.xlsx') > 0 ? true : undefined), 30_000);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    await redis.start();
    const run = await submit;
    assert.equal(run.code, 0, describeResult(run));
    assert.equal((JSON.parse(run.stdout) as { status: string }).status, 'completed');
    assert.deepEqual(await wrongCells(out, table.expected), []);
  });

  test('cancel aborts the in-flight calls on every worker', async () => {
    provider.setOptions({ latencyMs: 20_000 });
    const table = await writeStringTable(path.join(temp.dir, 'cancel.xlsx'), uniqueTexts(24).map((t) => `${t} c`));
    const run = await runCli(['translate', table.file, '--to', 'pt-BR', '--detach', ...common(), ...sim()], { cwd: temp.dir, env });
    assert.equal(run.code, 0, describeResult(run));
    const jobId = run.stdout.trim();
    // Both workers have calls in flight (1 + 2 at once).
    await until(() => (provider.stats.inFlight >= 3 ? true : undefined), 30_000);
    const engine = await createEmbeddedEngine({ loaded: loadConfig({ storeUrl: `sqlite:${db}`, queueUrl: redis.url, provider: 'pseudo' }, {}, temp.dir) });
    try {
      await engine.cancelJob(jobId);
    } finally {
      await engine.close();
    }
    // The provider would answer after 20 s; aborted, the requests close long before.
    await until(() => (provider.stats.inFlight === 0 ? true : undefined), 10_000);
    assert.equal(jobStatus(db, jobId), 'cancelled');
    const leased = withReadonlyDb(db, (d) => d.prepare("select count(*) n from batches where job_id = ? and status = 'processing'").get(jobId)) as { n: number };
    assert.equal(leased.n, 0, 'no batch left leased');
  });
});

function jobStatus(db: string, jobId: string): string | undefined {
  return (withReadonlyDb(db, (d) => d.prepare('select status from jobs where job_id = ?').get(jobId)) as { status: string } | undefined)?.status;
}

function completedTasks(db: string, source: string): number {
  try {
    return (withReadonlyDb(db, (d) => d.prepare("select count(*) n from tasks t join jobs j on j.job_id = t.job_id where j.source_name = ? and t.status = 'completed'").get(source)) as { n: number }).n;
  } catch {
    return 0;
  }
}

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
