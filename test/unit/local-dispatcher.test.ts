/**
 * The dispatcher contract's "work on one batch by id" (what a queue's processor is handed), on the
 * local dispatcher: the batch is leased by id, run once, and handed back when its work stops short.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config-schema.ts';
import { EngineEvents } from '../../src/monitor/engine-events.ts';
import type { BatchHandler } from '../../src/queue/dispatcher.ts';
import { LocalDispatcher } from '../../src/queue/local/local-dispatcher.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import type { ClaimedBatch, JobStore } from '../../src/store/job-store.ts';
import { prepareJob, toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import type { CellValue, SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

/** A job of one batch per text. */
async function setup(texts: string[]): Promise<{ store: JobStore; jobId: string; batchIds: string[] }> {
  const rows: CellValue[][] = [['Key', 'EN', 'DE'], ...texts.map((t, i): CellValue[] => [`k${i}`, t, null])];
  const doc: SpreadsheetDocument = { format: 'csv', sheets: [{ name: 'S', index: 0, hidden: false, rows, comments: new Map(), merges: [] }], setText() {}, async save() {} };
  const config = configSchema.parse({ llm: { batch_control: { max_batch_size: 1 } } });
  const prepared = prepareJob(doc, config, { to: ['de'], overwrite: false });
  const store = await createSqliteStore({ filename: path.join(scratchDir('fanyi-dispatch-'), 'f.db') });
  const jobId = 'job_dispatch';
  await store.createJob({ jobId, kind: 'translate', sourceName: 's.csv', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, toTaskRows(jobId, 'e', prepared.split.tasks, ''), toBatchRows(jobId, prepared.batches));
  await store.setJobStatus(jobId, 'running');
  return { store, jobId, batchIds: prepared.batches.map((b) => b.batchId) };
}

/** Answers every item, unless `work` says otherwise; records what it was handed and the leases it saw. */
function handler(store: JobStore, work?: (batch: ClaimedBatch) => Promise<void>) {
  const seen: Array<{ batchId: string; leases: Array<{ batchId: string; workerId: string | null }> }> = [];
  const run: BatchHandler['run'] = async (batch, workerId) => {
    seen.push({ batchId: batch.batchId, leases: (await store.leasedBatches(batch.jobId)).map(({ batchId, workerId }) => ({ batchId, workerId })) });
    if (work) return work(batch);
    const results = batch.items.map((i) => ({ dedupeKey: i.dedupeKey, result: `«${i.sourceText}»`, tokenCount: 1 }));
    await store.commitResults(batch.jobId, batch.batchId, results, { workerId, model: 'm', startedAt: 0, endedAt: 1, promptTokens: 1, completionTokens: 1 }, { finish: true });
  };
  return { seen, handler: { run } };
}

const dispatcher = (store: JobStore, h: BatchHandler) => new LocalDispatcher({ store, handler: h, events: new EngineEvents(), concurrency: 1 });

test('work(batchId) leases that batch, whatever its priority, runs it once and never again', async () => {
  const { store, jobId, batchIds } = await setup(['One', 'Two', 'Three']);
  const { seen, handler: h } = handler(store);
  const last = batchIds.at(-1)!;
  assert.equal(await dispatcher(store, h).work(jobId, last, 'w1', new AbortController().signal), true);
  assert.deepEqual(seen, [{ batchId: last, leases: [{ batchId: last, workerId: 'w1' }] }], 'run under its own lease, the others untouched');
  assert.deepEqual(await store.leasedBatches(jobId), []);
  assert.equal(await store.openBatchCount(jobId), batchIds.length - 1);
  assert.equal(await dispatcher(store, h).work(jobId, last, 'w2', new AbortController().signal), false, 'a done batch is not run twice');
  assert.equal(seen.length, 1);
  await store.close();
});

test('work(batchId) hands the batch back at once when its work fails or is aborted', async () => {
  const { store, jobId, batchIds } = await setup(['One', 'Two']);
  const stop = new AbortController();
  const { handler: failing } = handler(store, async () => {
    throw new Error('provider gone');
  });
  await assert.rejects(dispatcher(store, failing).work(jobId, batchIds[0], 'w1', stop.signal), /provider gone/);
  const { handler: aborted } = handler(store, async () => stop.abort());
  assert.equal(await dispatcher(store, aborted).work(jobId, batchIds[1], 'w1', stop.signal), true);
  assert.deepEqual(await store.leasedBatches(jobId), [], 'no lease left to run out');
  const { seen, handler: ok } = handler(store);
  for (const batchId of batchIds) assert.equal(await dispatcher(store, ok).work(jobId, batchId, 'w2', new AbortController().signal), true);
  assert.deepEqual(seen.map((s) => s.batchId), batchIds, 'both claimable again by another worker');
  assert.equal(await store.openBatchCount(jobId), 0);
  await store.close();
});
