/**
 * Issue 14 through the API: two `fanyi serve --queue` processes share one SQLite store and one
 * Redis queue (a key prefix of this test's own) with two `fanyi worker` processes. A job submitted
 * to either server runs on the workers, never in the server; either server reports and exports
 * the other's jobs; a server stopped mid-job leaves its job running on the workers. While a job
 * runs, `GET /api/v3/workers`, `/metrics` and `fanyi status` count the queue and the workers.
 * `serve --workers N` works batches in its own process; without a queue it is refused.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, parseSingleJson, runCli, startCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { queueFixture, type QueueFixture } from '../helpers/queue-fixture.ts';
import { REDIS_URL, startWorker } from '../helpers/queue-workers.ts';
import { deleteKeys } from '../helpers/redis-server.ts';
import { listeningUrl } from '../helpers/serve-process.ts';
import type { SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells, type StringTable } from '../helpers/string-table.ts';

const KEY = 'sk-queue-serve-51c7';

interface Server {
  process: CliProcess;
  base: string;
}

describe('fanyi serve --queue: API servers enqueue, fanyi worker processes run the batches', () => {
  let fixture: QueueFixture;
  let temp: QueueFixture['temp'];
  let provider: SimulatedProvider;
  const children: CliProcess[] = [];
  const workers: CliProcess[] = [];
  let servers: Server[];
  let db: string;
  let env: Record<string, string>;

  before(async () => {
    fixture = await queueFixture({ name: 'serve', apiKey: KEY, provider: { latencyMs: 80 }, config: 'llm:\n  batch_control: { max_batch_size: 3 }\n' });
    ({ temp, provider, env, db } = fixture);
    for (const n of [1, 2]) workers.push(await startWorker(['--db', db, '--queue', REDIS_URL, '--concurrency', '2', '--name', `w${n}`], env, temp.dir));
    children.push(...workers);
    servers = [await startServe(temp.dir, db, env, provider), await startServe(temp.dir, db, env, provider)];
    children.push(...servers.map((s) => s.process));
  });

  after(() => fixture?.close([...children]));

  test('a job submitted to either server runs on the workers; each server reports and exports the other one\'s job', async () => {
    const [a, b] = servers;
    const tableA = await writeStringTable(path.join(temp.dir, 'a.xlsx'), uniqueTexts(12).map((t) => `${t} a`));
    const tableB = await writeStringTable(path.join(temp.dir, 'b.xlsx'), uniqueTexts(12).map((t) => `${t} b`));
    const idA = await submit(a.base, tableA);
    const idB = await submit(b.base, tableB);
    assert.equal((await waitForStatus(b.base, idA)).status, 'completed');
    assert.equal((await waitForStatus(a.base, idB)).status, 'completed');
    assert.deepEqual(await wrongCells(await download(b.base, idA, temp.dir), tableA.expected), []);
    assert.deepEqual(await wrongCells(await download(a.base, idB, temp.dir), tableB.expected), []);
    const workerPids = new Set(workers.map((w) => String(w.child.pid)));
    const claimers = claimingPids(db, [idA, idB]);
    assert.ok(claimers.length > 0 && claimers.every((pid) => workerPids.has(pid)), `batches claimed only by the worker processes ${[...workerPids]}: ${claimers}`);
  });

  test('while a job runs: GET /api/v3/workers, /metrics and fanyi status count the queue and the workers', async () => {
    const [, b] = servers;
    // 10 batches of 3 on 4 slots, 8 s a call: ≥ 6 queued or in work for the first 16 s, however slow the CLI starts.
    provider.setOptions({ latencyMs: 8_000 });
    try {
      const table = await writeStringTable(path.join(temp.dir, 'm.xlsx'), uniqueTexts(30).map((t) => `${t} m`));
      const id = await submit(b.base, table, 'pt-BR');
      // Split on the ingestion lane first.
      await until(async () => ((await (await fetch(`${b.base}/api/v3/status/${id}`)).json()) as { status: string }).status === 'running');
      const listed = (await (await fetch(`${b.base}/api/v3/workers`)).json()) as { queue: string; workers: Array<{ name: string; host: string; lanes: string[]; concurrency: number; current_batches: unknown[]; heartbeat_age_ms: number }> };
      assert.equal(listed.queue, REDIS_URL);
      assert.deepEqual(listed.workers.map((w) => w.name).sort(), ['w1', 'w2']);
      for (const w of listed.workers) {
        assert.deepEqual(w.lanes, ['translation', 'insight_extraction', 'theme_extraction', 'learning', 'reports', 'ingestion'], 'every lane by default');
        assert.equal(w.concurrency, 2);
        assert.ok(w.host.length > 0 && w.heartbeat_age_ms >= 0 && w.heartbeat_age_ms < 30_000, JSON.stringify(w));
      }
      const metrics = await (await fetch(`${b.base}/metrics`)).text();
      assert.ok(gauge(metrics, 'fanyi_queue_depth{lane="translation"}') >= 4, metricLines(metrics));
      assert.equal(gauge(metrics, 'fanyi_workers_online'), 2, metricLines(metrics));
      for (const name of ['w1', 'w2']) assert.ok(gauge(metrics, `fanyi_worker_heartbeat_age_seconds{worker="${name}"}`) < 30, metricLines(metrics));
      const status = await runCli(['status', id, '--db', db, '--queue', REDIS_URL], { cwd: temp.dir, env });
      assert.equal(status.code, 0, describeResult(status));
      assert.match(status.stdout, /queue redis:\/\/127\.0\.0\.1:6379: translation [1-9]\d* batches, ingestion 0 jobs(, [a-z_]+ 0 batches)* queued or in work; 2 workers online/);
      const json = parseSingleJson((await runCli(['status', id, '--json', '--db', db, '--queue', REDIS_URL], { cwd: temp.dir, env })).stdout);
      const cluster = json.cluster as { queue: string; depth: Record<string, number>; workers_online: number; oldest_heartbeat_ms: number };
      assert.equal(cluster.workers_online, 2);
      assert.ok(cluster.depth.translation > 0 && cluster.oldest_heartbeat_ms < 30_000, JSON.stringify(cluster));
      assert.equal((await waitForStatus(b.base, id, 120_000)).status, 'completed');
      const after = await (await fetch(`${b.base}/metrics`)).text();
      assert.equal(gauge(after, 'fanyi_queue_depth{lane="translation"}'), 0, metricLines(after));
    } finally {
      provider.setOptions({ latencyMs: 80 });
    }
  });

  test('a server stopped mid-job exits 0 and leaves the job running: the workers finish it, the other server exports it', async () => {
    const [a, b] = servers;
    provider.setOptions({ latencyMs: 600 });
    try {
      const table = await writeStringTable(path.join(temp.dir, 's.xlsx'), uniqueTexts(18).map((t) => `${t} s`));
      const id = await submit(a.base, table);
      a.process.child.kill('SIGTERM');
      const stopped = await a.process.done;
      assert.equal(stopped.code, 0, describeResult(stopped));
      const status = await waitForStatus(b.base, id, 120_000);
      assert.equal(status.status, 'completed', JSON.stringify(status));
      assert.deepEqual(await wrongCells(await download(b.base, id, temp.dir), table.expected), []);
    } finally {
      provider.setOptions({ latencyMs: 80 });
    }
  });
});

describe('the ingestion lane: POST /api/v3/translate answers before the file is split', () => {
  let fixture: QueueFixture;
  let temp: QueueFixture['temp'];
  let provider: SimulatedProvider;
  let prefix: string;
  const children: CliProcess[] = [];
  let env: Record<string, string>;
  let db: string;
  let server: Server;

  before(async () => {
    fixture = await queueFixture({ name: 'ingest', apiKey: KEY, provider: { latencyMs: 50 }, config: 'llm:\n  batch_control: { max_batch_size: 4 }\n', seed: false });
    ({ temp, provider, prefix, env, db } = fixture);
    server = await startServe(temp.dir, db, env, provider);
    children.push(server.process);
  });

  after(() => fixture?.close([...children]));

  test('the job is analyzing, with no tasks, until a worker on the ingestion lane splits it; then it runs to the end', async () => {
    const table = await writeStringTable(path.join(temp.dir, 'i.xlsx'), uniqueTexts(10).map((t) => `${t} i`));
    const { id, reply } = await submitWithReply(server.base, table);
    assert.deepEqual(reply, { session_id: id, status: 'analyzing', status_url: `/api/v3/status/${id}` });
    const waiting = (await (await fetch(`${server.base}/api/v3/status/${id}`)).json()) as { status: string; progress: { total: number; completion_rate: number } };
    assert.equal(waiting.status, 'analyzing');
    assert.equal(waiting.progress.total, 0);
    assert.equal(waiting.progress.completion_rate, 0);
    // A pause now would leave the job without tasks for good: refused, naming why.
    const paused = await fetch(`${server.base}/api/v3/pause/${id}`, { method: 'POST' });
    assert.equal(paused.status, 400);
    assert.match(await paused.text(), /still being analysed/);
    const worker = await startWorker(['--db', db, '--queue', REDIS_URL, '--concurrency', '2', '--name', 'iw'], env, temp.dir);
    children.push(worker);
    assert.equal((await waitForStatus(server.base, id)).status, 'completed');
    assert.deepEqual(await wrongCells(await download(server.base, id, temp.dir), table.expected), []);
  });

  test('an ingestion entry lost with the queue is enqueued again from the store by the next worker', async () => {
    // No worker now: the job stays analyzing while its entry is deleted with every key of this test's queue.
    for (const child of children.splice(1)) {
      child.child.kill('SIGKILL');
      await child.done.catch(() => undefined);
    }
    const table = await writeStringTable(path.join(temp.dir, 'lost.xlsx'), uniqueTexts(8).map((t) => `${t} lost`));
    const { id } = await submitWithReply(server.base, table);
    await deleteKeys(REDIS_URL, prefix);
    assert.equal(((await (await fetch(`${server.base}/api/v3/status/${id}`)).json()) as { status: string }).status, 'analyzing');
    children.push(await startWorker(['--db', db, '--queue', REDIS_URL, '--concurrency', '2', '--name', 'reconciler'], env, temp.dir));
    assert.equal((await waitForStatus(server.base, id)).status, 'completed');
    assert.deepEqual(await wrongCells(await download(server.base, id, temp.dir), table.expected), []);
  });

  test('a file with nothing to translate ends the job failed, with the reason', async () => {
    const file = path.join(temp.dir, 'full.csv');
    await writeFile(file, 'Key,CH,PT\nk1,金币,Moeda\nk2,宝石,Gema\n');
    const form = new FormData();
    form.append('file', new Blob([await readFile(file)]), 'full.csv');
    const { session_id: id } = (await (await fetch(`${server.base}/api/v3/upload`, { method: 'POST', body: form })).json()) as { session_id: string };
    const started = await fetch(`${server.base}/api/v3/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: id, options: { to: 'pt-BR' } }) });
    assert.equal(started.status, 202);
    const status = await waitForStatus(server.base, id);
    assert.equal(status.status, 'failed');
    assert.match(String(status.error), /preparing the job failed: every target cell already holds text/);
  });
});

describe('fanyi serve --workers N', () => {
  let fixture: QueueFixture;
  let temp: QueueFixture['temp'];
  let provider: SimulatedProvider;
  let env: Record<string, string>;

  before(async () => {
    fixture = await queueFixture({ name: 'servew', apiKey: KEY, provider: { latencyMs: 80 }, config: 'llm:\n  batch_control: { max_batch_size: 3 }\n', seed: false });
    ({ temp, provider, env } = fixture);
  });

  after(() => fixture?.close([]));

  test('works the batches in the server process, which shows as a worker', async (t) => {
    const db = path.join(temp.dir, 'fanyi.db');
    const server = await startServe(temp.dir, db, env, provider, ['--workers', '2']);
    t.after(() => void server.process.child.kill('SIGKILL'));
    const table = await writeStringTable(path.join(temp.dir, 'w.xlsx'), uniqueTexts(12).map((t) => `${t} w`));
    const id = await submit(server.base, table);
    assert.equal((await waitForStatus(server.base, id)).status, 'completed');
    assert.deepEqual(await wrongCells(await download(server.base, id, temp.dir), table.expected), []);
    assert.deepEqual(claimingPids(db, [id]), [String(server.process.child.pid)]);
    const listed = (await (await fetch(`${server.base}/api/v3/workers`)).json()) as { workers: Array<{ name: string; pid: number; concurrency: number }> };
    assert.deepEqual(listed.workers.map((w) => [w.name, w.pid, w.concurrency]), [[`serve:${server.process.child.pid}`, server.process.child.pid, 2]]);
  });

  test('paused and resumed while its own workers hold batches: the resume leaves their leases alone, no text is sent twice', async (t) => {
    const db = path.join(temp.dir, 'resume.db');
    const server = await startServe(temp.dir, db, env, provider, ['--workers', '2']);
    t.after(() => void server.process.child.kill('SIGKILL'));
    // A call outlasts a lease renewal (every 5 s): a lease taken away meanwhile would abort it and send its texts again.
    provider.setOptions({ latencyMs: 7_000 });
    provider.reset();
    try {
      const table = await writeStringTable(path.join(temp.dir, 'r.xlsx'), uniqueTexts(9).map((t) => `${t} r`));
      const id = await submit(server.base, table, 'pt-BR');
      await until(() => withReadonlyDb(db, (d) => d.prepare("select count(*) n from batches where job_id = ? and status = 'processing'").get(id) as { n: number }).n === 2);
      assert.equal((await fetch(`${server.base}/api/v3/pause/${id}`, { method: 'POST' })).status, 200);
      // The server has stopped following the job (its run ended paused); its workers still hold both batches.
      await until(async () => gauge(await (await fetch(`${server.base}/metrics`)).text(), 'fanyi_jobs_running') === 0);
      assert.equal(((await (await fetch(`${server.base}/api/v3/status/${id}`)).json()) as { status: string }).status, 'paused');
      assert.equal((await fetch(`${server.base}/api/v3/resume/${id}`, { method: 'POST' })).status, 200);
      assert.equal((await waitForStatus(server.base, id, 120_000)).status, 'completed');
      // An aborted call never reaches the provider's answer counts: count the requests, and the releases.
      assert.equal(provider.stats.requests, 3, 'one call per batch of 3');
      const released = withReadonlyDb(db, (d) => d.prepare("select batch_id from task_logs where job_id = ? and event = 'released'").all(id));
      assert.deepEqual(released, [], 'no lease taken from the workers');
      assert.deepEqual(await wrongCells(await download(server.base, id, temp.dir), new Map([...table.expected].filter(([cell]) => cell.startsWith('Strings!C')))), []);
    } finally {
      provider.setOptions({ latencyMs: 80 });
    }
  });

  test('without a queue it is refused, naming the flag', async () => {
    const result = await runCli(['serve', '--port', '0', '--db', path.join(temp.dir, 'noq.db'), '--workers', '2'], { cwd: temp.dir });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /--workers needs a queue/);
  });
});

async function startServe(cwd: string, db: string, env: Record<string, string>, provider: SimulatedProvider, extra: string[] = []): Promise<Server> {
  const child = startCli(['serve', '--port', '0', '--db', db, '--queue', REDIS_URL, '--base-url', provider.baseUrl, '--model', 'sim-model', ...extra], { cwd, env, timeoutMs: 600_000 });
  return { process: child, base: await listeningUrl(child) };
}

/** Upload + translate; returns the job id. */
async function submit(base: string, table: StringTable, to = 'pt-BR,th'): Promise<string> {
  return (await submitWithReply(base, table, to)).id;
}

async function submitWithReply(base: string, table: StringTable, to = 'pt-BR,th'): Promise<{ id: string; reply: unknown }> {
  const form = new FormData();
  form.append('file', new Blob([await readFile(table.file)]), path.basename(table.file));
  const uploaded = await fetch(`${base}/api/v3/upload`, { method: 'POST', body: form });
  assert.equal(uploaded.status, 201, await uploaded.clone().text());
  const { session_id: id } = (await uploaded.json()) as { session_id: string };
  const started = await fetch(`${base}/api/v3/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: id, options: { to } }) });
  assert.equal(started.status, 202, await started.clone().text());
  return { id, reply: await started.json() };
}

async function waitForStatus(base: string, id: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 100))) {
    const status = (await (await fetch(`${base}/api/v3/status/${id}`)).json()) as Record<string, unknown>;
    if (!['queued', 'running', 'analyzing'].includes(status.status as string)) return status;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${String(status.status)} after ${timeoutMs} ms`);
  }
}

async function download(base: string, id: string, dir: string): Promise<string> {
  const response = await fetch(`${base}/api/v3/export/${id}`);
  assert.equal(response.status, 200);
  const file = path.join(dir, `${id}.out.xlsx`);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

/** The pids (from the worker ids) that claimed the jobs' batches. */
function claimingPids(db: string, jobIds: string[]): string[] {
  const rows = withReadonlyDb(db, (d) => d.prepare(`select distinct worker_id from task_logs where event = 'claimed' and job_id in (${jobIds.map(() => '?').join(',')})`).all(...jobIds)) as Array<{ worker_id: string }>;
  return [...new Set(rows.map((r) => r.worker_id.split(':')[1].split('@')[0]))].sort();
}

async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
  }
}

/** The value of one sample line of the Prometheus text (`name{labels} value`); NaN when absent. */
function gauge(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : Number.NaN;
}

function metricLines(text: string): string {
  return text.split('\n').filter((l) => /^fanyi_(queue|worker)/.test(l)).join('\n');
}
