/**
 * Map jobs and reports through a real Redis queue (a key prefix of this test's own), offline
 * (`--provider pseudo`), on a slice of the real review file: `fanyi report --queue` is made by a
 * worker subscribed to the `reports` lane alone; through `fanyi serve --queue`, a map job
 * submitted with `POST /api/v3/map` is planned on the ingestion lane and run on its recipe's lane
 * by workers, and its report (`POST …/report`: 202 queued; `GET`: 409 until a worker made it) has
 * the stored results' counts.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, makeTempDir, parseSingleJson, runCli, startCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { realDataSkip } from '../helpers/real-data.ts';
import { assertPivotCounts, expectedCounts, readReport, storedResults, writeReviewSlice } from '../helpers/report-checks.ts';
import { REDIS_URL, startWorker, uniquePrefix } from '../helpers/queue-workers.ts';
import { deleteKeys } from '../helpers/redis-server.ts';
import { listeningUrl } from '../helpers/serve-process.ts';

describe('reports on the reports lane', { skip: realDataSkip }, () => {
  const prefix = uniquePrefix('report');
  const env = { FANYI_QUEUE_PREFIX: prefix };
  const children: CliProcess[] = [];
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let db: string;
  let slice: Awaited<ReturnType<typeof writeReviewSlice>>;

  before(async () => {
    temp = await makeTempDir('fanyi-report-queue-');
    db = path.join(temp.dir, 'jobs.db');
    slice = await writeReviewSlice(temp.dir, 25);
  });

  after(async () => {
    for (const child of children) child.child.kill('SIGKILL');
    await deleteKeys(REDIS_URL, prefix);
    await temp?.cleanup();
  });

  test('fanyi report --queue: a worker subscribed to the reports lane alone makes it; the submitter copies it out', async () => {
    const mapped = await runCli(['map', slice.file, '--recipe', 'review-insights', '--provider', 'pseudo', '--db', db, '--json'], { cwd: temp.dir });
    assert.equal(mapped.code, 0, describeResult(mapped));
    const jobId = String(parseSingleJson(mapped.stdout).job_id);
    children.push(await startWorker(['--lanes', 'reports', '--db', db, '--queue', REDIS_URL, '--name', 'reports-only'], env, temp.dir));
    const out = path.join(temp.dir, 'queued.xlsx');
    const run = await runCli(['report', jobId, '--db', db, '--queue', REDIS_URL, '--out', out, '--json'], { cwd: temp.dir, env });
    assert.equal(run.code, 0, describeResult(run));
    assertPivotCounts((await readReport(out)).get('sentiment counts')!, expectedCounts(storedResults(db, jobId), 'sentiment', slice.productOf));
    // Queued by the submitter, made by the worker: both in the job's event log under one request.
    const requestId = String(parseSingleJson(run.stdout).request_id);
    const kinds = withReadonlyDb(db, (d) => d.prepare('SELECT kind FROM job_events WHERE job_id = ? AND data LIKE ? ORDER BY at').all(jobId, `%${requestId}%`) as Array<{ kind: string }>);
    assert.deepEqual(kinds.map((k) => k.kind), ['report:requested', 'report']);
  });

  test('fanyi serve --queue: POST /api/v3/map is planned and run by workers; its report is queued, then downloaded', async () => {
    children.push(await startWorker(['--lanes', 'ingestion,insight_extraction', '--db', db, '--queue', REDIS_URL, '--name', 'maps'], env, temp.dir));
    const serve = startCli(['serve', '--port', '0', '--db', db, '--queue', REDIS_URL, '--provider', 'pseudo'], { cwd: temp.dir, env, timeoutMs: 600_000 });
    children.push(serve);
    const base = await listeningUrl(serve);
    const form = new FormData();
    form.append('file', new Blob([await readFile(slice.file)]), 'reviews.csv');
    const { session_id: id } = (await (await fetch(`${base}/api/v3/upload`, { method: 'POST', body: form })).json()) as { session_id: string };
    const started = await fetch(`${base}/api/v3/map`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: id, recipe: 'review-insights' }) });
    const answer = (await started.json()) as Record<string, unknown>;
    assert.equal(started.status, 202, JSON.stringify(answer));
    assert.deepEqual([answer.kind, answer.lane, answer.status], ['map', 'insight_extraction', 'analyzing']);
    const finished = await poll(async () => {
      const status = (await (await fetch(`${base}/api/v3/status/${id}`)).json()) as Record<string, unknown>;
      return ['completed', 'failed', 'cancelled'].includes(String(status.status)) ? status : undefined;
    });
    assert.equal(finished.status, 'completed', JSON.stringify(finished));
    assert.equal((finished.progress as { completed: number }).completed, 25);

    const queued = await fetch(`${base}/api/v3/jobs/${id}/report`, { method: 'POST' });
    const request = (await queued.json()) as Record<string, unknown>;
    assert.equal(queued.status, 202, JSON.stringify(request));
    assert.equal(request.status, 'queued');
    const file = await poll(async () => {
      const got = await fetch(`${base}/api/v3/jobs/${id}/report`);
      if (got.status === 409) {
        assert.ok(got.headers.get('retry-after'));
        return undefined;
      }
      assert.equal(got.status, 200, await got.clone().text());
      const out = path.join(temp.dir, 'api-report.xlsx');
      await writeFile(out, Buffer.from(await got.arrayBuffer()));
      return out;
    });
    assertPivotCounts((await readReport(file)).get('sentiment counts')!, expectedCounts(storedResults(db, id), 'sentiment', slice.productOf));
  });

  test('a report request whose queue entry was lost is queued again when asked for, and made without a new request', async () => {
    // A prefix of its own: no worker serves its reports lane until the entry is gone.
    const lostPrefix = uniquePrefix('report-lost');
    const lostEnv = { FANYI_QUEUE_PREFIX: lostPrefix };
    try {
      const mapped = await runCli(['map', slice.file, '--recipe', 'review-insights', '--provider', 'pseudo', '--db', db, '--json'], { cwd: temp.dir });
      assert.equal(mapped.code, 0, describeResult(mapped));
      const jobId = String(parseSingleJson(mapped.stdout).job_id);
      const serve = startCli(['serve', '--port', '0', '--db', db, '--queue', REDIS_URL, '--provider', 'pseudo'], { cwd: temp.dir, env: lostEnv, timeoutMs: 600_000 });
      children.push(serve);
      const base = await listeningUrl(serve);
      const queued = await fetch(`${base}/api/v3/jobs/${jobId}/report`, { method: 'POST' });
      assert.equal(queued.status, 202, await queued.clone().text());
      const { request_id: requestId } = (await queued.json()) as { request_id: string };
      // Redis restarted empty: the entry is gone, the request stays `report:requested` in the store.
      await deleteKeys(REDIS_URL, lostPrefix);
      children.push(await startWorker(['--lanes', 'reports', '--db', db, '--queue', REDIS_URL, '--name', 'reports-after-loss'], lostEnv, temp.dir));
      const file = await poll(async () => {
        const got = await fetch(`${base}/api/v3/jobs/${jobId}/report`);
        if (got.status === 409) return undefined;
        assert.equal(got.status, 200, await got.clone().text());
        const out = path.join(temp.dir, 'requeued-report.xlsx');
        await writeFile(out, Buffer.from(await got.arrayBuffer()));
        return out;
      });
      assertPivotCounts((await readReport(file)).get('sentiment counts')!, expectedCounts(storedResults(db, jobId), 'sentiment', slice.productOf));
      // The one request, made once: no second request was needed.
      const kinds = withReadonlyDb(db, (d) => d.prepare('SELECT kind FROM job_events WHERE job_id = ? AND kind LIKE ? ORDER BY at').all(jobId, 'report%') as Array<{ kind: string }>);
      assert.deepEqual(kinds.map((k) => k.kind), ['report:requested', 'report']);
      const made = withReadonlyDb(db, (d) => d.prepare('SELECT data FROM job_events WHERE job_id = ? AND kind = ?').get(jobId, 'report') as { data: string });
      assert.equal((JSON.parse(made.data) as { requestId: string }).requestId, requestId);
    } finally {
      await deleteKeys(REDIS_URL, lostPrefix);
    }
  });
});

/** Calls `probe` every 200 ms until it answers something, for at most 60 s. */
async function poll<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('not within 60 s');
  }
}
