/**
 * The file threads for real: node:worker_threads started from the TypeScript sources (the thread
 * registers tsx itself), reading real workbooks and storing a real job in a SQLite file through
 * its own connection.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import type { Engine } from '../../src/engine.ts';
import { FanyiError } from '../../src/errors.ts';
import { createEmbeddedEngine } from '../../src/presets.ts';
import { analysisView, startedView } from '../../src/server/analysis-view.ts';
import { FileThreadPool } from '../../src/server/file-threads/file-thread-pool.ts';
import { analyseFile } from '../../src/tasks/analyse-file.ts';
import { writeBytes, xlsxBuffer } from '../helpers/crafted-files.ts';
import { makeTempDir } from '../helpers/fanyi-cli.ts';
import { writeGameWorkbook } from '../helpers/game-workbook.ts';
import { uniqueTexts, writeStringTable } from '../helpers/string-table.ts';

describe('FileThreadPool', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let loaded: LoadedConfig;
  let engine: Engine;
  let pool: FileThreadPool;
  let db: string;

  before(async () => {
    temp = await makeTempDir('fanyi-file-threads-');
    db = path.join(temp.dir, 'fanyi.db');
    loaded = loadConfig({ provider: 'pseudo', filesDir: `${db}.files` }, {}, temp.dir);
    engine = await createEmbeddedEngine({ dbPath: db, loaded });
    pool = new FileThreadPool({ setup: { engine: { dbPath: db, loaded } }, maxMemoryMb: loaded.config.system.max_memory_usage, keepIdle: 1 });
  });
  after(async () => {
    await pool?.close();
    await engine?.close();
    await temp?.cleanup();
  });

  test('a thread answers the same analysis the event loop would make', async () => {
    const game = await writeGameWorkbook(path.join(temp.dir, 'game.xlsx'));
    const { document, prepared } = await analyseFile({ file: game.file }, loaded.config);
    const view = analysisView(document, prepared, loaded.config);
    assert.deepEqual(await pool.run({ kind: 'analyse', file: game.file }), view);
    // Something to compare: every sheet, and tasks in each target language.
    assert.equal(view.sheets.length, 3);
    assert.ok(Object.values(view.tasks_per_language).every((n) => n > 0) && view.languages.length >= 3, JSON.stringify(view.tasks_per_language));
  });

  test("a damaged file is the reader's own FanyiError, and the thread goes on to the next file", async () => {
    const bytes = await xlsxBuffer({ Strings: [['key', 'en', 'zh-CN'], ['hello', 'Hello', null]] });
    const truncated = await writeBytes(path.join(temp.dir, 'truncated.xlsx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(pool.run({ kind: 'analyse', file: truncated }), (error: unknown) => error instanceof FanyiError && error.code === 'CORRUPT_FILE' && /truncated\.xlsx/.test(error.message));
    const table = await writeStringTable(path.join(temp.dir, 'after.xlsx'), uniqueTexts(5));
    const view = (await pool.run({ kind: 'analyse', file: table.file })) as { tasks_per_language: Record<string, number> };
    assert.deepEqual(view.tasks_per_language, { pt: 5, th: 5 });
  });

  test('prepare: the thread plans and stores a job stored analyzing through its own connection, and answers its counts', async () => {
    const table = await writeStringTable(path.join(temp.dir, 'job.xlsx'), uniqueTexts(40));
    const stored = await engine.files.put(table.file);
    const jobId = await engine.storePendingJob({ file: table.file, to: ['pt-BR', 'th'], sourceFile: stored.id, jobId: 'job_thread_1', sourceName: 'job.xlsx' });
    const started = (await pool.run({ kind: 'prepare', jobId })) as ReturnType<typeof startedView>;
    const expected = startedView((await analyseFile({ file: table.file, to: ['pt-BR', 'th'] }, loaded.config)).prepared, loaded.config);
    assert.deepEqual(started, expected);
    assert.equal(started.task_count, 80);
    const job = await engine.store.getJob(jobId);
    assert.equal(job?.status, 'queued');
    assert.equal(job?.total_tasks, 80);
    assert.equal((await engine.store.countByStatus(jobId)).pending, 80);
  });

  test('prepare: nothing to translate stores the job failed with the reason and answers NOTHING_TO_TRANSLATE', async () => {
    const full = await writeBytes(path.join(temp.dir, 'full.xlsx'), await xlsxBuffer({ Strings: [['Key', 'CH', 'PT'], ['a', '金币', 'Moeda']] }));
    const stored = await engine.files.put(full);
    const jobId = await engine.storePendingJob({ file: full, to: ['pt-BR'], sourceFile: stored.id, jobId: 'job_thread_2', sourceName: 'full.xlsx' });
    await assert.rejects(pool.run({ kind: 'prepare', jobId }), (error: unknown) => error instanceof FanyiError && error.code === 'NOTHING_TO_TRANSLATE');
    const job = await engine.store.getJob(jobId);
    assert.equal(job?.status, 'failed');
    assert.match(job?.error_msg ?? '', /preparing the job failed: every target cell already holds text/);
  });

  test('prepare of a job no longer analyzing answers null and changes nothing', async () => {
    assert.equal(await pool.run({ kind: 'prepare', jobId: 'job_thread_1' }), null);
    assert.equal((await engine.store.getJob('job_thread_1'))?.total_tasks, 80);
  });

  test('a thread out of its heap fails its request with FILE_TOO_LARGE naming system.max_memory_usage; the pool starts a new one', async () => {
    const small = new FileThreadPool({ setup: { engine: { dbPath: db, loaded } }, maxMemoryMb: 8, keepIdle: 1 });
    const table = await writeStringTable(path.join(temp.dir, 'heap.xlsx'), uniqueTexts(20_000));
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(small.run({ kind: 'analyse', file: table.file }), (error: unknown) => {
          assert.ok(error instanceof FanyiError, String(error));
          assert.equal(error.code, 'FILE_TOO_LARGE');
          assert.match(error.message, /reading heap\.xlsx needed more than the 8 MB of system\.max_memory_usage/);
          return true;
        });
      }
    } finally {
      await small.close();
    }
  });

  test('after close, a request is refused as the server shutting down', async () => {
    const closing = new FileThreadPool({ setup: { engine: { dbPath: db, loaded } }, maxMemoryMb: 512, keepIdle: 1 });
    await closing.close();
    await assert.rejects(closing.run({ kind: 'analyse', file: path.join(temp.dir, 'game.xlsx') }), /shutting down/);
  });
});
