/**
 * A map job's report through the engine and the server's file threads, on a real SQLite store
 * with the offline provider: made in process (`fanyi report`) and in a thread (the API without a
 * queue), recorded in the job's event log, its state read back in request order; a queued
 * request's failure recorded with its error code. Also a pending map job (the API's
 * `POST /api/v3/map`) planned in a file thread and run.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import type { Engine } from '../../src/engine.ts';
import { createEmbeddedEngine } from '../../src/presets.ts';
import { recordReportFailure, recordReportRequest, type ReportDone } from '../../src/report/report-state.ts';
import { FileThreadPool } from '../../src/server/file-threads/file-thread-pool.ts';
import { makeTempDir } from '../helpers/fanyi-cli.ts';
import { readReport } from '../helpers/report-checks.ts';

const SCHEMA = {
  type: 'object',
  properties: { mood: { type: 'string', enum: ['up', 'down'] }, tags: { type: 'array', items: { type: 'string' } }, note: { type: 'object' } },
  required: ['mood', 'tags'],
};
const CSV = 'Id,ProductId,Score,Text\n11,P1,5,Great tea\n12,P1,1,Stale\n13,P2,4,Fine coffee\n14,P1,3,Okay\n15,,2,No product\n';

describe('reports through the engine', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let loaded: LoadedConfig;
  let engine: Engine;
  let pool: FileThreadPool;
  let db: string;
  let file: string;
  let jobId: string;

  before(async () => {
    temp = await makeTempDir('fanyi-job-report-');
    db = path.join(temp.dir, 'fanyi.db');
    loaded = loadConfig({ provider: 'pseudo', filesDir: `${db}.files` }, {}, temp.dir);
    engine = await createEmbeddedEngine({ dbPath: db, loaded });
    pool = new FileThreadPool({ setup: { engine: { dbPath: db, loaded } }, maxMemoryMb: loaded.config.system.max_memory_usage, keepIdle: 1 });
    file = path.join(temp.dir, 'reviews.csv');
    await writeFile(file, CSV);
    const { job } = await engine.createMapJob({ file, outPath: path.join(temp.dir, 'out.csv'), map: { prompt: 'Mood of ${Text} (${Score})?', schema: SCHEMA, idColumn: 'Id' } });
    jobId = job.job_id;
    assert.equal((await engine.runJob(jobId)).job.status, 'completed');
  });

  after(async () => {
    await pool?.close();
    await engine?.close();
    await temp?.cleanup();
  });

  test('made in process: grouped by ProductId found by itself, stored, recorded, its state done', async () => {
    const done = await engine.reports.make(jobId);
    assert.equal(done.by, 'ProductId');
    assert.equal(done.rows, 5);
    assert.deepEqual(done.fields, [{ name: 'mood', kind: 'enum', values: 2 }, { name: 'tags', kind: 'array', values: 1 }]);
    assert.deepEqual(done.skipped.map((s) => s.name), ['note']);
    const state = await engine.reports.state(jobId);
    assert.equal(state?.state, 'done');
    assert.equal((state as ReportDone).fileId, done.fileId);
    const sheets = await readReport(await engine.files.localPath(done.fileId));
    // The offline provider answers every row with the schema's first enum value.
    assert.deepEqual(sheets.get('mood counts'), [
      ['ProductId', 'Rows', 'up', 'down'],
      ['All', 5, 5, 0],
      ['P1', 3, 3, 0],
      ['(none)', 1, 1, 0],
      ['P2', 1, 1, 0],
    ]);
    assert.deepEqual(sheets.get('mood rows')!.slice(1).map((r) => r.slice(2, 4)), [['2', 11], ['3', 12], ['4', 13], ['5', 14], ['6', 15]]);
  });

  test("made in a file thread (the API without a queue), the job's state the newest request's", async () => {
    const done = (await pool.run({ kind: 'report', jobId, by: 'Score' })) as ReportDone;
    assert.equal(done.by, 'Score');
    assert.equal((await engine.reports.state(jobId))?.state, 'done');
    assert.equal(((await engine.reports.state(jobId)) as ReportDone).requestId, done.requestId);
  });

  test('a queued request is the newest until settled; a worker\'s failure is recorded with its code', async () => {
    await recordReportRequest(engine.store, jobId, 'rep_a', undefined);
    assert.deepEqual(await engine.reports.state(jobId).then((s) => [s?.state, s?.requestId]), ['queued', 'rep_a']);
    await engine.reports.work({ jobId, requestId: 'rep_b', by: 'Brand' });
    const failed = await engine.reports.state(jobId, 'rep_b');
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.state === 'failed' && failed.code, 'NO_SOURCE_COLUMN');
    assert.match(failed?.state === 'failed' ? failed.message : '', /--by Brand: no such column.*Id, ProductId, Score, Text/);
    await recordReportFailure(engine.store, jobId, 'rep_a', new Error('disk full'));
    assert.equal((await engine.reports.state(jobId, 'rep_a'))?.state, 'failed');
    await assert.rejects(engine.reports.request(jobId), /needs a queue/);
  });

  test('a pending map job (POST /api/v3/map) is planned in a file thread, then runs; a report before that says it is being prepared', async () => {
    const source = await engine.files.put(file);
    const pending = await engine.storePendingMapJob({ file: await engine.files.localPath(source.id), sourceFile: source.id, jobId: 'job_pending_map', lane: 'insight_extraction', map: { prompt: 'Mood of ${Text}?', schema: SCHEMA } });
    await assert.rejects(engine.reports.make(pending), /still being prepared \(analyzing\)/);
    const started = (await pool.run({ kind: 'prepare', jobId: pending })) as { task_count: number; batches: number };
    assert.equal(started.task_count, 5);
    const job = (await engine.store.getJob(pending))!;
    assert.deepEqual([job.kind, job.lane, job.status], ['map', 'insight_extraction', 'queued']);
    assert.equal((await engine.runJob(pending)).counts.completed, 5);
  });
});
