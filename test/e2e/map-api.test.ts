/**
 * A map job as the API and the dashboard's job list see it: its kind, beside translations.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServeHarness, type ServeHarness } from '../helpers/serve-harness.ts';

let server: ServeHarness;
before(async () => (server = await startServeHarness()));
after(() => server?.close());

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
