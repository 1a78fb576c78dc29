/**
 * Pause, resume and cancel over the API, per job and per group, and checkpoints: against the
 * simulated provider made slow, so there is always a call in flight to pause or cancel.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, runCli } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook, type GameWorkbook } from '../helpers/game-workbook.ts';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

/**
 * Small batches and two workers: a job is many calls, a few in flight at any time. No translation
 * memory: every job here uploads the same workbook and must call the provider again.
 */
const CONFIG = `
llm:
  batch_control: { max_batch_size: 2, max_concurrent_workers: 2 }
  adaptive: { enabled: false }
translation: { memory: false }
`;

type Json = Record<string, any>;

describe('fanyi serve: pause, resume, cancel, checkpoints', () => {
  let provider: SimulatedProvider;
  let server: ServeHarness;
  let game: GameWorkbook;
  let bytes: Buffer;

  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: 150 });
    server = await startServeHarness({ provider, configYaml: CONFIG });
    game = await writeGameWorkbook(path.join(server.dir, 'game.xlsx'));
    bytes = await readFile(game.file);
    // The endpoint's limiter sends one call at a time until a first reply calibrates it (slow
    // start). Run one job through first, so every test starts past it whichever ones run, and in
    // whatever order: the cancel test needs both workers' calls in flight.
    provider.setOptions({ latencyMs: 0 });
    assert.equal((await waitForJob(server, await startJob())).status, 'completed');
  });

  after(async () => {
    await server?.close();
    await provider?.close();
  });

  const json = async (route: string, method = 'GET'): Promise<{ status: number; body: Json }> => {
    const answer = await server.request(route, { method });
    return { status: answer.status, body: (await answer.json()) as Json };
  };

  /** Uploads the game workbook and starts it; returns the job id. */
  const startJob = async (): Promise<string> => {
    const id = ((await (await server.upload(bytes, 'game.xlsx')).json()) as Json).session_id as string;
    const started = await server.request('/api/v3/translate', { json: { session_id: id, options: { to: [...GAME_LANGUAGES] } } });
    assert.equal(started.status, 202, await started.clone().text());
    return id;
  };

  const progress = async (id: string): Promise<Json> => (await json(`/api/v3/status/${id}`)).body;

  const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };

  test('pause lets claimed batches finish, then claims nothing; resume runs the job to the end', async () => {
    provider.setOptions({ latencyMs: 150 });
    const id = await startJob();
    await until('a first result', async () => (await progress(id)).progress.completed > 0);
    const paused = await json(`/api/v3/pause/${id}`, 'POST');
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.status, 'paused');
    // In-flight calls are paid for: they finish and their batches are committed, none is handed out after.
    await until('the claimed batches to finish', async () => (await json(`/api/monitor/activity/${id}`)).body.workers.length === 0);
    // The status's counts may be one cache TTL (250 ms) behind the leases: wait until they show nothing in flight.
    await until('the status to show nothing processing', async () => (await progress(id)).progress.processing === 0);
    const settled = (await progress(id)).progress;
    const requests = provider.stats.requests;
    await sleep(500);
    assert.equal(provider.stats.requests, requests, 'no call after the pause drained');
    const still = await progress(id);
    assert.equal(still.status, 'paused');
    assert.equal(still.progress.completed, settled.completed);
    assert.ok(settled.completed < settled.total, 'paused before the end');
    assert.equal(still.progress.processing, 0);

    const resumed = await json(`/api/v3/resume/${id}`, 'POST');
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    const done = await waitForJob(server, id);
    assert.equal(done.status, 'completed');
    assert.equal(done.progress.completed, game.targets.size);

    // Checkpoints: take one now (nothing settled since: the same one again), list it, download it.
    const taken = await json(`/api/v3/checkpoint/${id}`, 'POST');
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
    assert.equal(taken.body.task_count, game.targets.size);
    assert.equal((await json(`/api/v3/checkpoint/${id}`, 'POST')).status, 200);
    const list = await json(`/api/v3/checkpoint/${id}`);
    assert.deepEqual(list.body.checkpoints.map((c: Json) => c.checkpoint_id), [taken.body.checkpoint_id]);
    const workbook = await server.request(taken.body.download_url);
    assert.equal(workbook.status, 200);
    const out = path.join(server.dir, 'checkpoint.xlsx');
    await writeFile(out, Buffer.from(await workbook.arrayBuffer()));
    const book = await readWorkbook(out);
    const [key, cell] = [...game.targets][0];
    assert.equal(book.getWorksheet(cell.sheet)!.getCell(cell.address).value, cell.text, key);
    const lines = (await (await server.request(taken.body.tasks_url)).text()).trim().split('\n');
    assert.equal(lines.length, game.targets.size);
    assert.equal(JSON.parse(lines[0]).checkpoint_id, taken.body.checkpoint_id);
    assert.equal((await json(`/api/v3/checkpoint/${id}/CKPT_nope`)).status, 404);
    assert.equal((await json(`/api/v3/pause/${id}`, 'POST')).status, 409, 'a completed job cannot be paused');
  });

  test('a resume while the paused run still finishes its claimed batches continues the same job', async () => {
    provider.setOptions({ latencyMs: 150 });
    const id = await startJob();
    await until('a first result', async () => (await progress(id)).progress.completed > 0);
    // Right after a result the workers are between batches; pause once they hold new ones.
    await until('claimed batches', () => provider.stats.inFlight > 0);
    const paused = await json(`/api/v3/pause/${id}`, 'POST');
    assert.ok(paused.body.in_flight_batches > 0, 'calls still in flight');
    assert.equal((await json(`/api/v3/resume/${id}`, 'POST')).status, 200);
    const done = await waitForJob(server, id);
    assert.equal(done.status, 'completed');
    assert.equal(done.progress.completed, game.targets.size);
  });

  test('a paused group is skipped in claims; the job pauses when only it is left; resuming the group finishes it', async () => {
    provider.setOptions({ latencyMs: 20 });
    const id = await startJob();
    const groups = (await json(`/api/monitor/status/${id}`)).body.groups.map((g: Json) => g.group_id) as string[];
    const dialog = groups.find((g) => g.includes('Dialog'))!;
    assert.ok(dialog, groups.join());
    const paused = await json(`/api/v3/pause/${id}?group=${dialog}`, 'POST');
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.deepEqual(paused.body.paused_groups, [dialog]);
    const waiting = await waitForJob(server, id);
    assert.equal(waiting.status, 'paused');
    assert.match(waiting.error, /waiting for paused groups/);
    const monitor = (await json(`/api/monitor/status/${id}`)).body;
    assert.deepEqual(monitor.paused_groups, [dialog]);
    for (const g of monitor.groups) {
      if (g.group_id === dialog) assert.ok(g.paused && g.completed < g.total, JSON.stringify(g));
      else assert.ok(!g.paused && g.completed === g.total, JSON.stringify(g));
    }
    const cli = await runCli(['status', id, '--db', server.db], { cwd: server.dir });
    assert.equal(cli.code, 0, describeResult(cli));
    assert.match(cli.stdout, new RegExp(`${dialog}.*paused`));

    assert.equal((await json(`/api/v3/pause/${id}?group=GROUP_nope`, 'POST')).status, 400);
    const resumed = await json(`/api/v3/resume/${id}?group=${dialog}`, 'POST');
    assert.deepEqual(resumed.body.paused_groups, []);
    const done = await waitForJob(server, id);
    assert.equal(done.status, 'completed');
    assert.equal(done.progress.completed, game.targets.size);
  });

  test('cancel closes the in-flight HTTP requests before the provider answers, releases leases, and the job is never claimed again', async () => {
    provider.setOptions({ latencyMs: 20_000 });
    provider.reset();
    const id = await startJob();
    await until('two calls in flight', () => provider.stats.inFlight === 2);
    const cancelled = await json(`/api/v3/cancel/${id}`, 'POST');
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.in_flight_batches, 0, 'leases handed back');
    // The provider saw its requests closed (AbortSignal through to the socket), 20 s before it would have answered.
    await until('the provider to see the requests closed', () => provider.stats.inFlight === 0, 2_000);
    assert.equal(provider.stats.ok, 0, 'nothing was answered');
    assert.equal(provider.stats.requests, 2);

    provider.setOptions({ latencyMs: 0 });
    assert.equal((await json(`/api/v3/resume/${id}`, 'POST')).status, 409);
    await sleep(300);
    assert.equal(provider.stats.requests, 2, 'never claimed again');
    const status = await progress(id);
    assert.equal(status.status, 'cancelled');
    assert.equal(status.progress.processing, 0);
    assert.equal(status.progress.pending, game.targets.size);
  });

  test('DELETE /api/v3/jobs/:id deletes a finished job and its stored upload; a running one answers 409', async () => {
    provider.setOptions({ latencyMs: 5_000 });
    const running = await startJob();
    const refused = await json(`/api/v3/jobs/${running}`, 'DELETE');
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal((await json(`/api/v3/cancel/${running}`, 'POST')).status, 200);
    provider.setOptions({ latencyMs: 0 });
    // The cancel hands the batches back; until then the job still has them in flight.
    for (let i = 0; i < 100 && (await progress(running)).progress.processing > 0; i++) await sleep(50);
    const sources = path.join(`${server.db}.files`, 'sources');
    const before = new Set(await readdir(sources));
    const deleted = await json(`/api/v3/jobs/${running}`, 'DELETE');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual({ ...deleted.body, tasks: deleted.body.tasks > 0 }, { session_id: running, deleted: true, tasks: true, files_deleted: 0 }, 'every upload of this test is the same bytes: the file stays while other jobs name it');
    assert.equal((await json(`/api/v3/status/${running}`)).status, 404);
    assert.equal((await json(`/api/v3/jobs/${running}`, 'DELETE')).status, 404);
    assert.deepEqual(new Set(await readdir(sources)), before);
  });

  test('the control and checkpoint endpoints are in the OpenAPI document', async () => {
    const doc = (await json('/api/openapi.json')).body;
    for (const route of ['/api/v3/pause/{id}', '/api/v3/resume/{id}', '/api/v3/cancel/{id}']) {
      assert.ok(doc.paths[route]?.post, route);
    }
    assert.ok(doc.paths['/api/v3/pause/{id}'].post.parameters.some((p: Json) => p.name === 'group' && p.in === 'query'));
    assert.ok(doc.paths['/api/v3/checkpoint/{id}'].get && doc.paths['/api/v3/checkpoint/{id}'].post);
    assert.ok(doc.paths['/api/v3/checkpoint/{id}/{checkpointId}'].get);
    assert.ok(doc.paths['/api/monitor/activity/{id}'].get);
    assert.ok(doc.paths['/api/v3/jobs/{id}'].delete);
  });
});
