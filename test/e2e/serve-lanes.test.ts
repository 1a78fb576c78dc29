/**
 * Lanes without a queue (seed 003's worker roles as `fanyi serve --lanes` processes sharing one
 * store): a server serving `translation` runs a translation job at once, but leaves a job
 * submitted on `learning` queued; a server serving `learning` on the same SQLite store takes it
 * up and finishes it, every cell right. Real HTTP, the simulated provider.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells } from '../helpers/string-table.ts';

let provider: SimulatedProvider;
let translationServer: ServeHarness;
let learningServer: ServeHarness | undefined;

before(async () => {
  provider = await startSimulatedProvider({ apiKey: 'test-key' });
  translationServer = await startServeHarness({ provider, lanes: ['translation'] });
});

after(async () => {
  await learningServer?.close();
  await translationServer?.close();
  await provider?.close();
});

async function submit(server: ServeHarness, name: string, lane: string) {
  const table = await writeStringTable(path.join(server.dir, `${name}.xlsx`), uniqueTexts(6).map((t) => `${t} ${name}`));
  const uploaded = await server.upload(await readFile(table.file), `${name}.xlsx`);
  assert.equal(uploaded.status, 201, await uploaded.clone().text());
  const { session_id: id } = (await uploaded.json()) as { session_id: string };
  const answer = await server.request('/api/v3/translate', { json: { session_id: id, options: { to: ['pt-BR', 'th'], lane } } });
  assert.equal(answer.status, 202, await answer.clone().text());
  return { id, table };
}

test('serve --lanes runs only its lanes\' jobs; a server of the other lane on the same store takes the rest up', async () => {
  const own = await submit(translationServer, 'own', 'translation');
  const finished = await waitForJob(translationServer, own.id);
  assert.equal(finished.status, 'completed');
  assert.equal(finished.lane, 'translation');

  const vip = await submit(translationServer, 'vip', 'learning');
  const calls = provider.stats.requests;
  await sleep(500);
  const waiting = (await (await translationServer.request(`/api/v3/status/${vip.id}`)).json()) as Record<string, any>;
  assert.deepEqual([waiting.status, waiting.lane, waiting.progress.completed], ['queued', 'learning', 0], 'not run by a server that does not serve its lane');
  assert.equal(provider.stats.requests, calls, 'no call made for it');
  const listed = (await (await translationServer.request('/api/v3/jobs')).json()) as { jobs: Array<{ session_id: string; lane: string }> };
  assert.equal(listed.jobs.find((j) => j.session_id === vip.id)?.lane, 'learning', 'the job list shows the lane');

  learningServer = await startServeHarness({ provider, lanes: ['learning'], store: `sqlite:${translationServer.db}`, filesDir: `${translationServer.db}.files` });
  const done = await waitForJob(translationServer, vip.id, undefined, 30_000);
  assert.equal(done.status, 'completed', 'the learning server adopted and finished it');
  const exported = await translationServer.request(`/api/v3/export/${vip.id}`);
  assert.equal(exported.status, 200);
  const out = path.join(translationServer.dir, 'vip.out.xlsx');
  await writeFile(out, new Uint8Array(await exported.arrayBuffer()));
  assert.deepEqual(await wrongCells(out, vip.table.expected), []);
});
