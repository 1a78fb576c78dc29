/**
 * Issue 14: adaptive control acts per endpoint, not per process. Three `fanyi worker`s on one
 * endpoint of the simulated provider, which truncates every reply to a call of more than four
 * texts (a model whose output limit large calls overrun). Seed 000 §2.2 shrinks the calls by 20%
 * a period while more than 10% of them fail: here one evaluation per period over the three
 * workers' calls, stored once, applied by all three.
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

const KEY = 'sk-queue-adaptive-41c9';
/** Replies to calls of more texts than this are cut off (finish_reason length). */
const MOST_ITEMS_ANSWERED = 4;
const BATCH_SIZE = 16;

describe('three fanyi workers share one adaptive control on their endpoint', () => {
  let fixture: QueueFixture;
  let temp: QueueFixture['temp'];
  let provider: SimulatedProvider;
  const workers: CliProcess[] = [];
  let db: string;
  let env: Record<string, string>;

  before(async () => {
    // Half-second periods, so the six shrinking steps from 16 texts a call to 4 take seconds, not half a minute.
    fixture = await queueFixture({ name: 'adaptive', apiKey: KEY, provider: { latencyMs: 100, faultPlan: ({ ids }) => (ids.length > MOST_ITEMS_ANSWERED ? 'truncate' : undefined) }, config: `llm:\n  batch_control: { max_batch_size: ${BATCH_SIZE} }\n  adaptive: { interval_seconds: 0.5 }\n` });
    ({ temp, provider, env, db } = fixture);
    for (const n of [1, 2, 3]) workers.push(await startWorker(['--db', db, '--queue', REDIS_URL, '--concurrency', '2', '--name', `w${n}`], env, temp.dir));
  });

  after(() => fixture?.close([...workers]));

  test('the calls shrink on every worker, one adjustment per period, every cell right', async () => {
    const texts = uniqueTexts(1_600).map((t) => `${t} a`);
    const table = await writeStringTable(path.join(temp.dir, 'a.xlsx'), texts);
    const out = path.join(temp.dir, 'a.out.xlsx');
    const args = ['translate', table.file, '--to', 'pt-BR', '--out', out, '--json', '--db', db, '--queue', REDIS_URL, '--base-url', provider.baseUrl, '--model', 'sim-model'];
    const run = await runCli(args, { cwd: temp.dir, env, timeoutMs: 180_000 });
    assert.equal(run.code, 0, describeResult(run));
    const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
    assert.deepEqual(await wrongCells(out, new Map([...table.expected].filter(([cell]) => cell.startsWith('Strings!C')))), []);

    // How each worker cut its batches: the first call of a batch is the cut, before any split.
    const firsts = withReadonlyDb(db, (d) => d.prepare('select worker_id, batch_id, items, min(at) at from calls where job_id = ? group by worker_id, batch_id order by at').all(jobId)) as Array<{ worker_id: string; items: number }>;
    const byPid = new Map<string, number[]>();
    for (const call of firsts) {
      const pid = call.worker_id.split(':')[1].split('@')[0];
      byPid.set(pid, [...(byPid.get(pid) ?? []), call.items]);
    }
    const calls = withReadonlyDb(db, (d) => d.prepare("select count(*) n, sum(outcome = 'format') cut, sum(items) items from calls where job_id = ?").get(jobId)) as { n: number; cut: number; items: number };
    process.stderr.write(`# ${calls.n} calls (${calls.cut} cut off), ${(calls.items / calls.n).toFixed(1)} texts a call on average\n`);
    for (const [pid, cuts] of byPid) process.stderr.write(`# worker ${pid}: first call of each batch, in order: ${cuts.join(' ')}\n`);
    assert.equal(byPid.size, 3, 'all three workers called the endpoint');
    for (const [pid, cuts] of byPid) {
      assert.equal(cuts[0], BATCH_SIZE, `worker ${pid} started with whole batches`);
      assert.ok(cuts.length >= 6, `worker ${pid} worked on ${cuts.length} batches`);
      // The rules grow the calls back by a quarter whenever a period is free of errors, so the
      // cut swings between 4 and 8 texts (a period of larger calls fails and shrinks it again), never back near 16.
      assert.ok(cuts.slice(-3).every((items) => items <= BATCH_SIZE / 2), `worker ${pid}'s last batches were cut small: ${cuts.slice(-3).join(', ')}`);
    }

    const adjustments = withReadonlyDb(db, (d) => d.prepare("select kind, message, data from job_events where job_id = ? and kind like 'adjust:%' order by at").all(jobId)) as Array<{ kind: string; message: string; data: string }>;
    const sizes = adjustments.filter((a) => a.kind === 'adjust:batch_size').map((a) => JSON.parse(a.data) as { from: number; to: number; period: number });
    process.stderr.write(`# batch size adjustments: ${sizes.map((s) => `${s.from}→${s.to}@${s.period}`).join(' ')}\n`);
    process.stderr.write(`# other adjustments: ${adjustments.filter((a) => a.kind !== 'adjust:batch_size').map((a) => a.message).join('; ') || 'none'}\n`);
    assert.ok(sizes.length >= 6, `six steps down at least (16 → 4 texts a call): ${sizes.length}`);
    const periods = sizes.map((s) => s.period);
    assert.equal(new Set(periods).size, periods.length, 'one batch size adjustment per period, stored once');
    sizes.slice(1).forEach((s, i) => assert.equal(s.from, sizes[i].to, 'one trajectory: each adjustment starts where the last ended'));
    assert.ok(adjustments.every((a) => !/this process alone/.test(a.message)), 'Redis was up throughout: every decision was shared');

    const status = await runCli(['status', jobId, '--db', db], { cwd: temp.dir, env });
    assert.equal(status.code, 0, describeResult(status));
    assert.match(status.stdout, /batch_size [\d.]+ → [\d.]+: error rate \d+% > 10%/, 'fanyi status shows the adjustments');
  });
});
