/**
 * Incremental checkpoints (issue 16): each checkpoint stamps what settled since the one before
 * and copies nothing; its task table is every task it and earlier ones stamped, read from the
 * store, pruned checkpoints' included; one of an older version, with its tasks copied into stored
 * increments, is still handed out from them; workers take one only when it is due.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Checkpointer } from '../../src/checkpoints/checkpointer.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { DiskFileStore } from '../../src/store/files/disk-file-store.ts';
import type { JobStore } from '../../src/store/job-store.ts';
import type { PackedBatch } from '../../src/tasks/batching/pack-batches.ts';
import { toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';

let dir: string;
let store: JobStore;
let serial = 0;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fanyi-checkpointer-'));
  store = await createSqliteStore({ filename: path.join(dir, 'fanyi.db') });
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A job of `n` tasks, one batch each (so each can be settled on its own). */
async function newJob(n: number): Promise<string> {
  const jobId = `job_ckpt_${serial++}`;
  const drafts: TaskDraft[] = Array.from({ length: n }, (_, i) => ({
    taskId: `TASK_${String(i).padStart(4, '0')}`, sheetName: 'UI', rowIdx: i + 1, colIdx: 2, cellRef: `C${i + 2}`, sourceLang: 'zh-CN', sourceText: `文本 ${i}`,
    sourceContext: '{}', targetLang: 'pt-BR', targetRegion: 'BR', groupId: 'GROUP_UI_UI', priority: 1, dedupeKey: `k-${i}`, batchId: `BATCH_${String(i).padStart(4, '0')}`,
  }));
  const batches: PackedBatch[] = drafts.map((d, i) => ({ batchId: d.batchId!, seq: i + 1, groupId: d.groupId, lane: 'short', targetLang: 'pt-BR', priority: 1, taskCount: 1, uniqueCount: 1, chars: 4, estInputTokens: 5, estOutputTokens: 5 }));
  await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, [...toTaskRows(jobId, 'excel', drafts, '')], toBatchRows(jobId, batches));
  return jobId;
}

/** Claims and completes the next `n` batches. */
async function settle(jobId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const meta = { workerId: 'w1', model: 'm', startedAt: Date.now() - 5, endedAt: Date.now(), promptTokens: 1, completionTokens: 1 };
    await store.commitResults(jobId, claim.batchId, [{ dedupeKey: claim.items[0].dedupeKey, result: `R${claim.items[0].dedupeKey}`, tokenCount: 1 }], meta, { finish: true });
  }
}

function checkpointer(keep?: number): Checkpointer {
  const files = new DiskFileStore(path.join(dir, 'sources'));
  return new Checkpointer({ store, files, dir: path.join(dir, 'checkpoints'), keep, exportWorkbook: async () => assert.fail('no workbook is built here') });
}

async function taskIds(c: Checkpointer, jobId: string, checkpointId: string): Promise<string[]> {
  const checkpoint = (await store.listCheckpoints(jobId)).find((r) => r.checkpointId === checkpointId)!;
  const ids: string[] = [];
  for await (const row of c.tasks(jobId, checkpoint)) ids.push(row.task_id);
  return ids;
}

test('each checkpoint stamps what settled since the last and stores no copy; its task table is every task stamped up to it', async () => {
  const c = checkpointer();
  const jobId = await newJob(6);
  await settle(jobId, 2);
  const first = (await c.create(jobId, '.xlsx'))!;
  await settle(jobId, 3);
  const second = (await c.create(jobId, '.xlsx'))!;
  assert.equal(await c.create(jobId, '.xlsx'), undefined, 'nothing settled since: no checkpoint');
  assert.deepEqual(Object.keys(second.metadata as object), ['counts'], 'a stamp and the counts, no file');
  assert.deepEqual(await readdir(path.join(dir, 'sources')).catch(() => []), [], 'nothing stored among the files');
  assert.deepEqual(await taskIds(c, jobId, first.checkpointId), ['TASK_0000', 'TASK_0001']);
  assert.deepEqual(await taskIds(c, jobId, second.checkpointId), ['TASK_0000', 'TASK_0001', 'TASK_0002', 'TASK_0003', 'TASK_0004']);
  assert.deepEqual([first.taskCount, second.taskCount], [2, 5]);
  const stamps: Array<[string, string | null]> = [];
  for await (const row of store.taskSnapshot(jobId)) stamps.push([row.task_id, row.checkpoint_id]);
  assert.deepEqual(stamps, [
    ['TASK_0000', first.checkpointId], ['TASK_0001', first.checkpointId],
    ['TASK_0002', second.checkpointId], ['TASK_0003', second.checkpointId], ['TASK_0004', second.checkpointId],
    ['TASK_0005', null],
  ], 'the second stamped only what settled after the first; the pending task is unstamped');
});

test('pruned checkpoints leave their stamps in the task tables of the kept ones', async () => {
  const c = checkpointer(2);
  const jobId = await newJob(4);
  for (let i = 0; i < 4; i++) {
    await settle(jobId, 1);
    await c.create(jobId, '.xlsx');
  }
  const kept = await store.listCheckpoints(jobId);
  assert.equal(kept.length, 2);
  assert.deepEqual(await taskIds(c, jobId, kept[0].checkpointId), ['TASK_0000', 'TASK_0001', 'TASK_0002', 'TASK_0003']);
  assert.deepEqual(await taskIds(c, jobId, kept[1].checkpointId), ['TASK_0000', 'TASK_0001', 'TASK_0002']);
});

test('a checkpoint of an older version, its tasks copied into stored increments, is handed out from them', async () => {
  const c = checkpointer();
  const jobId = await newJob(3);
  await settle(jobId, 2);
  await store.createCheckpoint(jobId, { checkpointId: 'CKPT_00000000000000001', filePath: 'CKPT_00000000000000001.xlsx', metadata: { counts: {} } });
  const files = new DiskFileStore(path.join(dir, 'sources'));
  const lines = [{ task_id: 'TASK_0000', status: 'completed', result: 'as copied then' }, { task_id: 'TASK_0001', status: 'completed', result: 'as copied then' }].map((row) => `${JSON.stringify(row)}\n`).join('');
  const increment = (await files.put(Readable.from([lines]), { ext: '.jsonl' })).id;
  await store.setCheckpointMetadata(jobId, 'CKPT_00000000000000001', { counts: {}, increment, increments: [increment] });
  const old = (await store.listCheckpoints(jobId))[0];
  const rows: Array<{ task_id: string; result: string | null }> = [];
  for await (const row of c.tasks(jobId, old)) rows.push({ task_id: row.task_id, result: row.result });
  assert.deepEqual(rows, [{ task_id: 'TASK_0000', result: 'as copied then' }, { task_id: 'TASK_0001', result: 'as copied then' }]);
  await files.delete(increment);
});

test('createIfDue takes one only once the latest (or the job) is an interval old', async () => {
  const c = checkpointer();
  const jobId = await newJob(3);
  await settle(jobId, 1);
  assert.equal(await c.createIfDue(jobId, '.xlsx', 60_000, Date.now()), undefined, 'a new job is not due');
  const other = checkpointer();
  const taken = await other.createIfDue(jobId, '.xlsx', 60_000, Date.now() - 61_000);
  assert.ok(taken, 'a job created an interval ago is due');
  await settle(jobId, 1);
  assert.equal(await checkpointer().createIfDue(jobId, '.xlsx', 60_000, Date.now() - 61_000), undefined, 'the latest checkpoint is new');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(await checkpointer().createIfDue(jobId, '.xlsx', 1, Date.now() - 61_000), 'due again after the interval');
});
