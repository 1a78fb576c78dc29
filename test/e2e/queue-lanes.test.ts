/**
 * Seed 003's lanes through a real Redis queue (a key prefix of this test's own): two jobs on
 * different lanes, one `fanyi worker` subscribed to one lane. Only that lane's job progresses;
 * the other waits in its lane's queue, shown by `fanyi status`, until a worker for its lane
 * starts and finishes it, every cell right. A submitter on a lane no worker listens to says so.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeResult, parseSingleJson, runCli, startCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { queueFixture, type QueueFixture } from '../helpers/queue-fixture.ts';
import { REDIS_URL, startWorker } from '../helpers/queue-workers.ts';
import type { SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells, type StringTable } from '../helpers/string-table.ts';

const KEY = 'sk-queue-lanes-51c2';

let fixture: QueueFixture;
let temp: QueueFixture['temp'];
let provider: SimulatedProvider;
const workers: CliProcess[] = [];
let db: string;
let env: Record<string, string>;
const common = () => ['--db', db, '--queue', REDIS_URL];

before(async () => {
  fixture = await queueFixture({ name: 'lanes', apiKey: KEY, provider: { latencyMs: 40 }, config: 'llm:\n  batch_control: { max_batch_size: 3 }\n' });
  ({ temp, provider, env, db } = fixture);
});

after(() => fixture?.close([...workers]));

async function cli(args: string[]) {
  const result = await runCli([...args, ...common()], { cwd: temp.dir, env, timeoutMs: 60_000 });
  assert.equal(result.code, 0, `fanyi ${args[0]}\n${describeResult(result)}`);
  return result;
}

async function submit(name: string, lane: string): Promise<{ jobId: string; table: StringTable }> {
  const table = await writeStringTable(path.join(temp.dir, `${name}.xlsx`), uniqueTexts(12).map((t) => `${t} ${name}`));
  const run = await cli(['translate', table.file, '--to', 'pt-BR,th', '--lane', lane, '--detach', '--json', '--base-url', provider.baseUrl, '--model', 'sim-model']);
  const summary = parseSingleJson(run.stdout) as { job_id: string; lane: string };
  assert.equal(summary.lane, lane);
  return { jobId: summary.job_id, table };
}

interface Status {
  status: string;
  lane: string;
  counts: { completed: number; total: number };
  cluster: { depth: Record<string, number> };
}

const status = async (jobId: string) => parseSingleJson((await cli(['status', jobId, '--json'])).stdout) as unknown as Status;

async function until(jobId: string, state: string, timeoutMs = 60_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(jobId);
    if (s.status === state || Date.now() > deadline) return s;
    await sleep(250);
  }
}

/** The worker processes that claimed the job's batches: their ids without the slot (`host:pid@start`). */
function claimedBy(jobId: string): Set<string> {
  const rows = withReadonlyDb(db, (d) => d.prepare("select distinct worker_id from task_logs where job_id = ? and event = 'claimed'").all(jobId)) as Array<{ worker_id: string }>;
  return new Set(rows.map((r) => r.worker_id.replace(/:\d+$/, '')));
}

/** The id a worker printed when it started listening (`fanyi worker NAME (ID): lanes …`). */
const idOf = (worker: CliProcess) => /\((\S+)\): lanes/.exec(worker.output.stdout)?.[1] ?? 'unknown';

test('a worker on one lane runs only that lane\'s job; the other waits in its queue until a worker of its lane finishes it', async () => {
  const translation = await startWorker([...common(), '--lanes', 'translation', '--concurrency', '2', '--name', 'trans'], env, temp.dir);
  workers.push(translation);
  const insights = await submit('insights', 'insight_extraction');
  const translate = await submit('translate', 'translation');

  const done = await until(translate.jobId, 'completed');
  assert.equal(done.status, 'completed', 'the translation lane has a worker');
  const waiting = await status(insights.jobId);
  assert.equal(waiting.lane, 'insight_extraction');
  assert.equal(waiting.counts.completed, 0, 'no worker listens to insight_extraction: nothing of it ran');
  assert.ok(waiting.cluster.depth.insight_extraction > 0, `its batches wait in their lane's queue: ${JSON.stringify(waiting.cluster.depth)}`);
  assert.equal(waiting.cluster.depth.translation, 0);
  const text = (await cli(['status', insights.jobId])).stdout;
  assert.match(text, new RegExp(`job ${insights.jobId}  translate  running  lane insight_extraction`));
  assert.match(text, /insight_extraction \d+ batches/);

  const insight = await startWorker([...common(), '--lanes', 'insight_extraction', '--concurrency', '2', '--name', 'insight'], env, temp.dir);
  workers.push(insight);
  const finished = await until(insights.jobId, 'completed');
  assert.equal(finished.status, 'completed');
  assert.deepEqual([...claimedBy(insights.jobId)], [idOf(insight)], 'only the insight worker ran it');
  assert.deepEqual([...claimedBy(translate.jobId)], [idOf(translation)], 'only the translation worker ran the other');
  for (const { jobId, table } of [insights, translate]) {
    const out = path.join(temp.dir, `${jobId}.out.xlsx`);
    await cli(['export', jobId, '--out', out]);
    assert.deepEqual(await wrongCells(out, table.expected), [], `${jobId}: every cell right`);
  }
});

test('a lane name is checked: --lane and --lanes refuse what no queue could be named', async () => {
  const table = await writeStringTable(path.join(temp.dir, 'bad.xlsx'), uniqueTexts(1));
  const badLane = await runCli(['translate', table.file, '--lane', 'Insight-Extraction', '--provider', 'pseudo', '--db', db], { cwd: temp.dir, env });
  assert.equal(badLane.code, 2, describeResult(badLane));
  assert.match(badLane.stderr, /--lane: 'Insight-Extraction' is not a lane name/);
  const badWorker = await runCli(['worker', '--lanes', 'translation,bad lane', ...common()], { cwd: temp.dir, env });
  assert.equal(badWorker.code, 2, describeResult(badWorker));
  assert.match(badWorker.stderr, /--lanes: 'bad lane' is not a lane name/);
});

test('a submitter whose lane has no worker online says so, naming the job\'s lane and the command that starts one', async () => {
  const table = await writeStringTable(path.join(temp.dir, 'reports.xlsx'), uniqueTexts(3).map((t) => `${t} reports`));
  const submitter = startCli(['translate', table.file, '--to', 'pt-BR', '--lane', 'reports', '--base-url', provider.baseUrl, '--model', 'sim-model', ...common()], { cwd: temp.dir, env, timeoutMs: 60_000 });
  const deadline = Date.now() + 30_000;
  while (!/no fanyi worker is online for lane reports/.test(submitter.output.stderr) && Date.now() < deadline && submitter.child.exitCode === null) await sleep(100);
  submitter.child.kill('SIGINT');
  await submitter.done;
  assert.match(submitter.output.stderr, /no fanyi worker is online for lane reports; the job waits in the queue\. Start one \(on any machine\) with: fanyi worker --lanes reports /);
});
