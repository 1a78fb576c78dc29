/**
 * Map jobs through the API over real HTTP: as the job views see them (kind and lane beside
 * translations), submitted on an upload (`POST /api/v3/map`, a recipe or an inline prompt and
 * schema, answered with the planned rows), and reported (`POST`/`GET /api/v3/jobs/:id/report`):
 * the downloaded workbook's counts equal the task table's results. The simulated provider answers
 * structured output with random schema-valid values, so the counts are not all one value.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { realDataSkip } from '../helpers/real-data.ts';
import { assertPivotCounts, expectedCounts, readReport, storedResults, writeReviewSlice } from '../helpers/report-checks.ts';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

let server: ServeHarness;
let provider: SimulatedProvider;
before(async () => {
  provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: 5 });
  server = await startServeHarness({ provider });
});
after(async () => {
  await server?.close();
  await provider?.close();
});

test('GET /api/v3/jobs and /api/v3/status/:id show a map job\'s kind', async () => {
  const file = path.join(server.dir, 'reviews.csv');
  await writeFile(file, 'Id,Score,Text\n1,5,Lovely tea\n2,1,Stale and bitter\n');
  const { job } = await server.engine.createMapJob({
    file,
    outPath: path.join(server.dir, 'reviews.mapped.csv'),
    map: { prompt: 'Sentiment of ${Text}?', schema: { type: 'object', properties: { sentiment: { type: 'string', enum: ['positive', 'negative'] } }, required: ['sentiment'] } },
  });
  const outcome = await server.engine.runJob(job.job_id);
  assert.equal(outcome.job.status, 'completed');
  assert.equal(outcome.counts.completed, 2);
  const jobs = (await (await server.request('/api/v3/jobs')).json()) as { jobs: Array<{ session_id: string; kind: string }> };
  assert.deepEqual(jobs.jobs.find((j) => j.session_id === job.job_id)?.kind, 'map');
  const status = (await (await server.request(`/api/v3/status/${job.job_id}`)).json()) as { kind: string; progress: { completed: number } };
  assert.equal(status.kind, 'map');
  assert.equal(status.progress.completed, 2);
});

/** Uploads `file` and answers its session id. */
async function upload(file: string): Promise<string> {
  const answer = await server.upload(await readFile(file), path.basename(file));
  const body = (await answer.json()) as { session_id: string };
  assert.equal(answer.status, 201, JSON.stringify(body));
  return body.session_id;
}

describe('POST /api/v3/map and the report routes over real reviews', { skip: realDataSkip }, () => {
  const ROWS = 30;
  let slice: Awaited<ReturnType<typeof writeReviewSlice>>;
  let id: string;

  before(async () => {
    slice = await writeReviewSlice(server.dir, ROWS);
    id = await upload(slice.file);
  });

  test('a recipe on an upload: answered with the planned rows, run on its lane, shown as a map job', async () => {
    const answer = await server.request('/api/v3/map', { json: { session_id: id, recipe: 'review-insights' } });
    const started = (await answer.json()) as Record<string, unknown>;
    assert.equal(answer.status, 202, JSON.stringify(started));
    assert.equal(started.kind, 'map');
    assert.equal(started.lane, 'insight_extraction');
    assert.equal(started.task_count, ROWS);
    assert.ok(Number(started.batches) >= 1);
    const finished = await waitForJob(server, id);
    assert.equal(finished.status, 'completed', JSON.stringify(finished));
    assert.equal(finished.kind, 'map');
    assert.equal(finished.lane, 'insight_extraction');
    const jobs = (await (await server.request('/api/v3/jobs')).json()) as { jobs: Array<{ session_id: string; kind: string; lane: string }> };
    const listed = jobs.jobs.find((j) => j.session_id === id);
    assert.deepEqual([listed?.kind, listed?.lane], ['map', 'insight_extraction']);
    const again = await server.request('/api/v3/map', { json: { session_id: id, recipe: 'review-insights' } });
    assert.equal(again.status, 409);
  });

  test('the report: 404 before one is made, then made (201) and downloaded; its counts are the stored results\'', async () => {
    const before = await server.request(`/api/v3/jobs/${id}/report`);
    assert.equal(before.status, 404);
    assert.equal(((await before.json()) as { code: string }).code, 'REPORT_NOT_FOUND');
    const made = await server.request(`/api/v3/jobs/${id}/report`, { method: 'POST' });
    const body = (await made.json()) as Record<string, unknown>;
    assert.equal(made.status, 201, JSON.stringify(body));
    assert.equal(body.status, 'done');
    assert.equal(body.by, 'ProductId');
    assert.equal(body.rows, ROWS);
    const download = await server.request(`/api/v3/jobs/${id}/report`);
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /filename="reviews-30\.report\.xlsx"/);
    const file = path.join(server.dir, 'downloaded-report.xlsx');
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const sheets = await readReport(file);
    const results = storedResults(server.db, id);
    const sentiments = expectedCounts(results, 'sentiment', slice.productOf).get('')!;
    assert.ok(sentiments.size > 1, `random structured answers give several sentiments: ${JSON.stringify([...sentiments])}`);
    for (const field of ['sentiment', 'praised_aspects']) assertPivotCounts(sheets.get(`${field} counts`)!, expectedCounts(results, field, slice.productOf));
    const byScore = (await (await server.request(`/api/v3/jobs/${id}/report?by=Score`, { method: 'POST' })).json()) as { by: string };
    assert.equal(byScore.by, 'Score');
  });

  test('as on the command line: a recipe\'s examples go with its few-shot class, and product-model maps one row per product', async () => {
    const insights = await upload(slice.file);
    assert.equal((await server.request('/api/v3/map', { json: { session_id: insights, recipe: 'review-insights' } })).status, 202);
    assert.equal((await waitForJob(server, insights)).status, 'completed');
    const stored = withReadonlyDb(server.db, (d) => JSON.parse((d.prepare('SELECT options FROM jobs WHERE job_id = ?').get(insights) as { options: string }).options) as { map: { examples?: unknown[]; fewShotClasses?: string[] } });
    assert.ok((stored.map.examples?.length ?? 0) > 0, 'the recipe\'s examples stored with the job');
    assert.deepEqual(stored.map.fewShotClasses, ['vip']);

    const products = await upload(slice.file);
    const answer = await server.request('/api/v3/map', { json: { session_id: products, recipe: 'product-model' } });
    const started = (await answer.json()) as Record<string, unknown>;
    assert.equal(answer.status, 202, JSON.stringify(started));
    assert.equal(started.lane, 'learning');
    const groups = new Set(Array.from({ length: ROWS }, (_, i) => slice.productOf(i + 1))).size;
    assert.equal(started.task_count, groups, `one task per product (${groups})`);
    assert.equal((await waitForJob(server, products)).status, 'completed');
    const refused = await server.request('/api/v3/map', { json: { session_id: await upload(slice.file), recipe: 'product-model', classes: 'reviews' } });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { message: string }).message, /with group_by every group is its own call/);
  });

  test('an inline prompt and schema; misuse answered 400 naming the fix; a translation has no report', async () => {
    const inline = await upload(slice.file);
    const schema = { type: 'object', properties: { helpful: { type: 'boolean' }, topic: { type: 'string', enum: ['food', 'pets', 'drinks'] } }, required: ['helpful', 'topic'] };
    const answer = await server.request('/api/v3/map', { json: { session_id: inline, prompt: 'Is ${Summary} helpful, and what is it about?', schema, columns: 'Summary,Score', id: 'Id' } });
    const started = (await answer.json()) as Record<string, unknown>;
    assert.equal(answer.status, 202, JSON.stringify(started));
    assert.equal(started.lane, 'translation');
    assert.equal((await waitForJob(server, inline)).status, 'completed');
    const made = (await (await server.request(`/api/v3/jobs/${inline}/report`, { method: 'POST' })).json()) as { fields: Array<{ name: string; kind: string }> };
    assert.deepEqual(made.fields.map((f) => `${f.name}:${f.kind}`), ['helpful:boolean', 'topic:enum']);

    const bad = await upload(slice.file);
    const unknown = await server.request('/api/v3/map', { json: { session_id: bad, recipe: 'review-moods' } });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { message: string }).message, /unknown recipe "review-moods"; built-in recipes are .*review-insights/);
    const missing = await server.request('/api/v3/map', { json: { session_id: bad, prompt: 'Rate ${Brand}', schema } });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { message: string }).message, /no column "Brand"/);
    assert.equal(((await (await server.request(`/api/v3/status/${bad}`)).json()) as { status: string }).status, 'failed');

    const table = path.join(server.dir, 'strings.csv');
    await writeFile(table, 'key,en,fr\ngreeting,Hello there,\n');
    const translation = await upload(table);
    assert.equal((await server.request('/api/v3/translate', { json: { session_id: translation, options: { to: ['fr'] } } })).status, 202);
    await waitForJob(server, translation);
    const refused = await server.request(`/api/v3/jobs/${translation}/report`, { method: 'POST' });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { message: string }).message, /a report counts the results of a map job/);
  });
});
