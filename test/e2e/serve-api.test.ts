/**
 * `fanyi serve` end to end over real HTTP: upload → translate → poll → export against the
 * simulated provider, verified cell by cell; the read endpoints, metrics and the OpenAPI document;
 * and the same job seen from the CLI (and a CLI job seen from the API).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareWorkbooks, formatDifferences, readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, parseSingleJson, providerFlags, runCli } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook, type GameWorkbook } from '../helpers/game-workbook.ts';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

describe('fanyi serve: upload, translate, poll, export', () => {
  let provider: SimulatedProvider;
  let server: ServeHarness;
  let game: GameWorkbook;
  let upload: Record<string, any>;
  let started: Record<string, any>;
  let finished: Record<string, any>;
  let id: string;

  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key' });
    server = await startServeHarness({ provider });
    game = await writeGameWorkbook(path.join(server.dir, 'game.xlsx'));
    const uploaded = await server.upload(await readFile(game.file), 'game.xlsx');
    assert.equal(uploaded.status, 201, await uploaded.clone().text());
    upload = (await uploaded.json()) as Record<string, any>;
    id = upload.session_id;
    const answer = await server.request('/api/v3/translate', { json: { session_id: id, options: { to: [...GAME_LANGUAGES] } } });
    assert.equal(answer.status, 202, await answer.clone().text());
    started = (await answer.json()) as Record<string, any>;
    finished = await waitForJob(server, id);
  });

  after(async () => {
    await server?.close();
    await provider?.close();
  });

  test('upload analyses the workbook: sheets, language columns, source, tasks per language, estimate', () => {
    assert.match(id, /^job_\d{6}_[0-9a-f]{16}$/);
    assert.equal(upload.file_name, 'game.xlsx');
    const ui = upload.analysis.sheets.find((s: any) => s.name === 'UI');
    assert.equal(ui.source.header, 'CH');
    assert.deepEqual(ui.language_columns.map((c: any) => c.header), ['CH', 'EN', 'PT', 'TH', 'VN']);
    assert.ok(upload.analysis.estimate.tasks > 0);
    assert.ok(upload.analysis.tasks_per_language.vi > 0);
  });

  test('translate answers with the task count and an estimate, the job queued', () => {
    assert.equal(started.session_id, id);
    assert.equal(started.task_count, game.targets.size);
    assert.equal(typeof started.estimated_time, 'number');
    assert.deepEqual([...started.languages].sort(), [...GAME_LANGUAGES].sort());
  });

  test('status reaches completed with full progress and statistics', () => {
    assert.equal(finished.status, 'completed');
    assert.deepEqual(finished.progress, { total: game.targets.size, completed: game.targets.size, pending: 0, processing: 0, failed: 0, needs_review: 0, completion_rate: 1 });
    const stats = finished.statistics;
    assert.ok(stats.api_calls_count > 0 && stats.token_usage_total > 0, JSON.stringify(stats));
    assert.ok(stats.avg_duration_ms !== null && stats.p95_duration_ms !== null && stats.throughput_per_min > 0);
    assert.equal(stats.error_rate, 0);
    assert.equal(finished.eta_seconds, 0);
  });

  test('export returns the workbook with every target filled and nothing else changed', async () => {
    const answer = await server.request(`/api/v3/export/${id}`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-disposition') ?? '', /filename="game\.translated\.xlsx"/);
    const out = path.join(server.dir, 'exported.xlsx');
    await writeFile(out, Buffer.from(await answer.arrayBuffer()));
    const book = await readWorkbook(out);
    const wrong = [...game.targets].filter(([, t]) => book.getWorksheet(t.sheet)!.getCell(t.address).value !== t.text).map(([key]) => key);
    assert.deepEqual(wrong, []);
    const diffs = await compareWorkbooks(game.file, out, { allowValueChange: [...game.targets.keys(), ...game.newHeaders.keys()] });
    assert.equal(diffs.length, 0, formatDifferences(diffs));
  });

  test('tasks page and filter; results list the translations', async () => {
    const page = (await (await server.request(`/api/v3/tasks/${id}?page=2&page_size=10&status=completed`)).json()) as Record<string, any>;
    assert.equal(page.total, game.targets.size);
    assert.equal(page.tasks.length, 10);
    assert.equal(page.pages, Math.ceil(game.targets.size / 10));
    assert.ok(page.tasks.every((t: any) => t.status === 'completed' && t.result));
    const none = (await (await server.request(`/api/v3/tasks/${id}?status=failed,pending`)).json()) as Record<string, any>;
    assert.equal(none.total, 0);
    const group = page.tasks[0].group_id;
    const grouped = (await (await server.request(`/api/monitor/dataframe/${id}?group=${group}&page_size=1000`)).json()) as Record<string, any>;
    assert.ok(grouped.total > 0 && grouped.tasks.every((t: any) => t.group_id === group));
    const results = (await (await server.request(`/api/v3/results/${id}?lang=vi&page_size=1000`)).json()) as Record<string, any>;
    const expectedVi = [...game.targets.values()].filter((t) => t.lang === 'vi');
    assert.equal(results.total, expectedVi.length);
    for (const r of results.results) assert.equal(game.targets.get(`${r.sheet_name}!${r.cell_ref}`)?.text, r.result);
  });

  test('jobs list and the monitor status show the job', async () => {
    const all = (await (await server.request('/api/v3/jobs')).json()) as Record<string, any>;
    assert.ok(all.jobs.some((j: any) => j.session_id === id && j.status === 'completed'));
    const active = (await (await server.request('/api/v3/jobs?active=true')).json()) as Record<string, any>;
    assert.ok(!active.jobs.some((j: any) => j.session_id === id));
    const monitor = (await (await server.request(`/api/monitor/status/${id}`)).json()) as Record<string, any>;
    assert.ok(monitor.groups.length > 0 && monitor.groups.every((g: any) => g.completed === g.total));
  });

  test('/metrics reports calls, tokens, latency, tasks and workers', async () => {
    const answer = await server.request('/metrics');
    assert.equal(answer.status, 200);
    const text = await answer.text();
    for (const name of ['fanyi_llm_calls_total{outcome="ok"}', 'fanyi_llm_tokens_total{kind="prompt",source="reported"}', 'fanyi_llm_call_duration_seconds_bucket', 'fanyi_tasks{status="pending"}', 'fanyi_queue_depth_batches', 'fanyi_active_workers', 'process_resident_memory_bytes']) {
      assert.ok(text.includes(name), `${name} in /metrics`);
    }
    const calls = Number(/fanyi_llm_calls_total\{outcome="ok"\} (\d+)/.exec(text)?.[1]);
    assert.equal(calls, finished.statistics.api_calls_count);
  });

  test('serves the OpenAPI document and browsable docs; health and readiness', async () => {
    const doc = (await (await server.request('/api/openapi.json')).json()) as Record<string, any>;
    assert.equal(doc.openapi, '3.1.0');
    for (const route of ['/api/v3/upload', '/api/v3/translate', '/api/v3/status/{id}', '/api/v3/tasks/{id}', '/api/v3/results/{id}', '/api/v3/export/{id}', '/api/v3/jobs', '/api/monitor/status/{id}', '/api/monitor/dataframe/{id}', '/api/v3/map', '/api/v3/jobs/{id}/report']) {
      assert.ok(doc.paths[route], `${route} documented`);
    }
    assert.ok(doc.paths['/api/v3/translate'].post.requestBody);
    assert.ok(doc.paths['/api/v3/map'].post.requestBody);
    assert.ok(doc.paths['/api/v3/jobs/{id}/report'].get && doc.paths['/api/v3/jobs/{id}/report'].post);
    const docs = await server.request('/api/docs');
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
    const css = await server.request('/api/docs/static/swagger-ui.css');
    assert.equal(css.status, 200);
    assert.deepEqual(await (await server.request('/healthz')).json(), { status: 'ok' });
    assert.deepEqual(await (await server.request('/readyz')).json(), { status: 'ready' });
  });

  test('the API job shows in fanyi status --json, and a CLI job shows in the API', async () => {
    const status = await runCli(['status', id, '--json', '--db', server.db], { cwd: server.dir });
    assert.equal(status.code, 0, describeResult(status));
    const summary = parseSingleJson(status.stdout);
    assert.equal(summary.status, 'completed');
    assert.equal((summary.counts as Record<string, number>).completed, game.targets.size);
    const cli = await runCli(['translate', game.file, '--to', 'vi', '--db', server.db, '--out', path.join(server.dir, 'cli.xlsx'), '--json', ...providerFlags(provider.baseUrl)], { cwd: server.dir });
    assert.equal(cli.code, 0, describeResult(cli));
    const cliJob = parseSingleJson(cli.stdout).job_id as string;
    const seen = (await (await server.request(`/api/v3/status/${cliJob}`)).json()) as Record<string, any>;
    assert.equal(seen.status, 'completed');
    assert.equal(seen.source_name, 'game.xlsx');
  });
});
