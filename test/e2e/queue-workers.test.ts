/**
 * Issue 14: one job, many workers. Three real `fanyi worker` processes and one submitter
 * (`fanyi translate --queue`) share a SQLite file and a Redis queue (a key prefix of this test's
 * own) on the simulated provider: the output is right cell by cell, the batches were spread over
 * the workers, and no text was sent twice. Then a worker is SIGKILLed mid-batch: its batches run
 * again on another worker within 30 s, the job completes, and only the killed worker's in-flight
 * texts are sent again.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, runCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { queueFixture, type QueueFixture } from '../helpers/queue-fixture.ts';
import { REDIS_URL, startWorker } from '../helpers/queue-workers.ts';
import type { SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells } from '../helpers/string-table.ts';

const KEY = 'sk-queue-workers-7d1e';

describe('three fanyi workers and a submitter on one Redis queue', () => {
  let fixture: QueueFixture;
  let temp: QueueFixture['temp'];
  let provider: SimulatedProvider;
  const workers: CliProcess[] = [];
  let db: string;
  let env: Record<string, string>;

  const common = () => ['--db', db, '--queue', REDIS_URL];

  before(async () => {
    fixture = await queueFixture({ name: 'workers', apiKey: KEY, provider: { latencyMs: 60 }, config: 'llm:\n  batch_control: { max_batch_size: 3 }\n' });
    ({ temp, provider, env, db } = fixture);
    for (const n of [1, 2, 3]) workers.push(await startWorker([...common(), '--concurrency', '2', '--name', `w${n}`], env, temp.dir));
  });

  after(() => fixture?.close([...workers]));

  test('the job completes on the workers, every cell right, each text sent once, batches spread over all three', async () => {
    const texts = uniqueTexts(36).map((t) => `${t} q`);
    const table = await writeStringTable(path.join(temp.dir, 'a.xlsx'), texts);
    const out = path.join(temp.dir, 'a.out.xlsx');
    const run = await runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--json', ...common(), '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 90_000 });
    assert.equal(run.code, 0, describeResult(run));
    const summary = JSON.parse(run.stdout) as { job_id: string; status: string; output: string };
    assert.equal(summary.status, 'completed');
    assert.deepEqual(await wrongCells(out, table.expected), []);
    const twice = [...provider.stats.translatedIds].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'no text translated twice');
    const byWorker = withReadonlyDb(db, (d) => d.prepare("select worker_id, count(*) n from task_logs where job_id = ? and event = 'claimed' group by worker_id").all(summary.job_id)) as Array<{ worker_id: string; n: number }>;
    const pids = new Set(byWorker.map((r) => r.worker_id.split(':')[1]));
    assert.equal(pids.size, 3, `batches claimed by three worker processes: ${JSON.stringify(byWorker)}`);
    const events = withReadonlyDb(db, (d) => d.prepare("select kind from job_events where job_id = ? and kind = 'completed'").all(summary.job_id));
    assert.equal(events.length, 1, 'completed recorded exactly once');
  });

  test('fanyi workers lists the three with their lanes', async () => {
    const listed = await runCli(['workers', '--db', db, '--json'], { cwd: temp.dir, env });
    assert.equal(listed.code, 0, describeResult(listed));
    const rows = JSON.parse(listed.stdout) as Array<{ name: string; lanes: string[]; concurrency: number }>;
    assert.deepEqual(rows.map((r) => r.name).sort(), ['w1', 'w2', 'w3']);
    assert.ok(rows.every((r) => r.lanes.includes('translation') && r.concurrency === 2));
  });

  test('the workers share one rate limit through Redis: three of them on a 240 RPM endpoint are not refused', async () => {
    // 4 requests a second with a one-second burst. Three workers each pacing on their own budget
    // would send three times that, and the provider would refuse most of the excess with 429.
    provider.setOptions({ latencyMs: 60, rpm: 240 });
    provider.reset();
    const texts = uniqueTexts(60).map((t) => `${t} r`);
    const table = await writeStringTable(path.join(temp.dir, 'r.xlsx'), texts);
    const out = path.join(temp.dir, 'r.out.xlsx');
    const args = ['translate', table.file, '--to', 'pt-BR', '--out', out, '--json', '--rpm', '240', ...common(), '--base-url', provider.baseUrl, '--model', 'sim-model'];
    const run = await runCli(args, { cwd: temp.dir, env, timeoutMs: 90_000 });
    assert.equal(run.code, 0, describeResult(run));
    const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
    const byWorker = withReadonlyDb(db, (d) => d.prepare("select count(distinct worker_id) n from task_logs where job_id = ? and event = 'claimed'").get(jobId)) as { n: number };
    assert.ok(byWorker.n >= 2, 'the calls were spread over several workers');
    assert.ok(provider.stats.requests >= 20, `${provider.stats.requests} requests`);
    assert.ok(provider.stats.status429 <= 1, `${provider.stats.status429} of ${provider.stats.requests} requests refused with 429`);
    provider.setOptions({ rpm: undefined });
  });

  test('a SIGKILLed worker: its batches run again on another within 30 s, the job completes, completed texts are never sent again', async () => {
    provider.setOptions({ latencyMs: 1_500 });
    provider.reset();
    const texts = uniqueTexts(30).map((t) => `${t} k`);
    const table = await writeStringTable(path.join(temp.dir, 'k.xlsx'), texts);
    const out = path.join(temp.dir, 'k.out.xlsx');
    const submit = runCli(['translate', table.file, '--to', 'pt-BR', '--out', out, '--json', ...common(), '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 120_000 });
    const victim = workers[0];
    const victimPid = String(victim.child.pid);
    // Wait until the victim holds a batch, then kill it mid-call.
    const held = await until(() => leasedBy(db, victimPid), 30_000);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const run = await submit;
    assert.equal(run.code, 0, describeResult(run));
    assert.deepEqual(await wrongCells(out, new Map([...table.expected].filter(([cell]) => cell.startsWith('Strings!C')))), []);
    const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
    for (const batchId of held) {
      const reclaimed = withReadonlyDb(db, (d) => d.prepare("select min(at) at from task_logs where job_id = ? and batch_id = ? and event = 'claimed' and worker_id not like ?").get(jobId, batchId, `%:${victimPid}@%`)) as { at: number | null };
      assert.ok(reclaimed.at !== null, `batch ${batchId} claimed again`);
      assert.ok(reclaimed.at - killedAt <= 30_000, `batch ${batchId} running again ${reclaimed.at - killedAt} ms after the kill`);
      process.stderr.write(`# ${batchId} running again ${reclaimed.at - killedAt} ms after SIGKILL\n`);
    }
    const heldTexts = new Set(withReadonlyDb(db, (d) => d.prepare(`select source_text from tasks where job_id = ? and batch_id in (${held.map(() => '?').join(',')})`).all(jobId, ...held)).map((r) => (r as { source_text: string }).source_text));
    const twice = [...provider.stats.translatedIds].filter(([, n]) => n > 1).map(([key]) => key.split('\u0000')[1]);
    assert.deepEqual(twice.filter((t) => !heldTexts.has(t)), [], 'only texts of the batches the killed worker held may be sent again');
  });
});

/** Batch ids the worker process with this pid holds a lease on now. */
function leasedBy(db: string, pid: string): string[] | undefined {
  try {
    const rows = withReadonlyDb(db, (d) => d.prepare("select batch_id from batches where status = 'processing' and worker_id like ?").all(`%:${pid}@%`)) as Array<{ batch_id: string }>;
    return rows.length ? rows.map((r) => r.batch_id) : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const value = probe();
    if (value !== undefined) return value;
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
