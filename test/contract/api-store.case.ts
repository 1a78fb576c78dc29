import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { JobStore, NewJob } from '../../src/store/job-store.ts';
import type { PackedBatch } from '../../src/tasks/batching/pack-batches.ts';
import { toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';

/**
 * The read side of the JobStore contract that `fanyi serve` stands on (see job-store.case.ts):
 * a tenant's jobs, task pages with their filters, paused groups, and the statistics of the status
 * view. Job ids and tenants are unique per test, so a shared database needs no cleanup.
 */
export function apiStoreCases(name: string, open: () => Promise<JobStore>): void {
  test(`${name}: task pages filter by derived status, group and language, in task order, paged`, async () => {
    const store = await open();
    const jobId = await createFixtureJob(store);
    // B1 (pt-BR, UI) stays leased: its open tasks read `processing`. B2 (th, UI) completes.
    assert.equal((await store.claimBatch(jobId, 'w1', 60_000))?.batchId, 'B1');
    const b2 = (await store.claimBatch(jobId, 'w2', 60_000))!;
    await store.commitResults(jobId, b2.batchId, b2.items.map((i) => ({ dedupeKey: i.dedupeKey, result: 'ok', tokenCount: 1 })), meta(), { finish: true });
    const ids = async (query: Parameters<JobStore['taskPage']>[1]) => {
      const page = await store.taskPage(jobId, query);
      return { total: page.total, rows: page.rows.map((r) => `${r.task_id}:${r.status}`) };
    };
    const all = { offset: 0, limit: 100 };
    assert.deepEqual(await ids({ ...all, statuses: ['processing'] }), { total: 2, rows: ['TASK_1:processing', 'TASK_2:processing'] });
    assert.deepEqual(await ids({ ...all, statuses: ['pending'] }), { total: 2, rows: ['TASK_5:pending', 'TASK_6:pending'] });
    assert.deepEqual(await ids({ ...all, statuses: ['completed', 'pending'] }), { total: 4, rows: ['TASK_3:completed', 'TASK_4:completed', 'TASK_5:pending', 'TASK_6:pending'] });
    assert.deepEqual((await ids({ ...all, groupId: 'GROUP_Dialog' })).rows, ['TASK_5:pending', 'TASK_6:pending']);
    assert.deepEqual((await ids({ ...all, targetLang: 'th', statuses: ['completed'] })).rows, ['TASK_3:completed', 'TASK_4:completed']);
    assert.deepEqual(await ids({ offset: 2, limit: 2 }), { total: 6, rows: ['TASK_3:completed', 'TASK_4:completed'] });
    assert.deepEqual(await ids({ offset: 6, limit: 2 }), { total: 6, rows: [] });
    const [row] = (await store.taskPage(jobId, { offset: 0, limit: 1 })).rows;
    assert.ok(!('lease_until' in row) && !('dedupe_key' in row), 'internal columns stay inside the store');
    await store.close();
  });

  test(`${name}: a tenant's jobs, newest first; active leaves finished ones out; limit`, async () => {
    const store = await open();
    const [alice, bob] = [`alice_${unique()}`, `bob_${unique()}`];
    const first = await createFixtureJob(store, alice);
    await sleep(5);
    const second = await createFixtureJob(store, alice);
    const other = await createFixtureJob(store, bob);
    const list = async (options: { active?: boolean; limit?: number } = {}, tenant = alice) => (await store.listTenantJobs({ tenant, ...options })).map((j) => j.job_id);
    assert.deepEqual(await list(), [second, first]);
    assert.deepEqual(await list({}, bob), [other]);
    assert.deepEqual(await list({ limit: 1 }), [second]);
    await store.setJobStatus(first, 'completed');
    await store.setJobStatus(second, 'paused');
    assert.deepEqual(await list({ active: true }), [second], 'paused is still active; completed is not');
    assert.deepEqual(await list({ active: true }, `nobody_${unique()}`), []);
    await store.close();
  });

  test(`${name}: paused groups are listed, skipped by claims and left out of the runnable count`, async () => {
    const store = await open();
    const jobId = await createFixtureJob(store);
    assert.deepEqual(await store.pausedGroups(jobId), []);
    assert.deepEqual(await store.pauseGroups(jobId, ['GROUP_UI']), ['GROUP_UI']);
    assert.deepEqual(await store.pauseGroups(jobId, ['GROUP_UI', 'GROUP_Dialog']), ['GROUP_Dialog', 'GROUP_UI'], 'pausing twice changes nothing');
    assert.equal(await store.runnableBatchCount(jobId), 0);
    assert.equal(await store.claimBatch(jobId, 'w1', 60_000), undefined);
    assert.deepEqual(await store.resumeGroups(jobId, ['GROUP_Dialog']), ['GROUP_UI']);
    assert.equal(await store.runnableBatchCount(jobId), 2);
    const claimed = [await store.claimBatch(jobId, 'w1', 60_000), await store.claimBatch(jobId, 'w2', 60_000), await store.claimBatch(jobId, 'w3', 60_000)];
    assert.deepEqual(claimed.map((b) => b?.groupId), ['GROUP_Dialog', 'GROUP_Dialog', undefined]);
    assert.equal(await store.runnableBatchCount(jobId), 2, 'leased batches still count until done');
    assert.deepEqual(await store.resumeGroups(jobId), []);
    assert.equal(await store.runnableBatchCount(jobId), 4);
    await store.setJobStatus(jobId, 'paused');
    assert.equal(await store.runnableBatchCount(jobId), 0, 'a paused job has nothing runnable');
    await store.close();
  });

  test(`${name}: task statistics, recent tasks and call samples for the status view and dashboard`, async () => {
    const store = await open();
    const jobId = await createFixtureJob(store);
    const empty = await store.taskStatistics(jobId);
    assert.deepEqual([empty.avgDurationMs, empty.p95DurationMs, empty.firstStartedAt, empty.retriedTasks], [null, null, null, 0]);
    const t = Date.now() - 10_000;
    const b1 = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const scored = b1.items.map((i, n) => ({ dedupeKey: i.dedupeKey, result: 'ok', tokenCount: 1, qualityScore: 80 + n * 20 }));
    await store.commitResults(jobId, b1.batchId, scored, meta(t, t + 100, 2), { finish: true });
    const b2 = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const [timedOut, answered] = b2.items;
    await store.recordRetry(jobId, b2.batchId, [timedOut.dedupeKey], 'timeout', 'timed out');
    await store.failItems(jobId, b2.batchId, [{ dedupeKey: timedOut.dedupeKey, errorType: 'timeout', errorMsg: 'timed out again' }], 'w1');
    await store.commitResults(jobId, b2.batchId, [{ dedupeKey: answered.dedupeKey, result: 'ok', tokenCount: 1 }], meta(t + 200, t + 500), { finish: true });
    const stats = await store.taskStatistics(jobId);
    assert.equal(Math.round(stats.avgDurationMs!), 167, 'durations 100, 100, 300');
    assert.deepEqual([stats.p95DurationMs, stats.avgQualityScore, stats.firstStartedAt], [300, 90, t]);
    assert.deepEqual([stats.retriedTasks, stats.timeouts, stats.failedTasks], [1, 1, 1]);
    assert.ok(stats.lastEndedAt! >= t + 500);
    const recent = await store.recentTasks(jobId, 10);
    assert.equal(recent.length, 4);
    assert.ok(recent.every((r, i) => i === 0 || r.end_time <= recent[i - 1].end_time), 'newest first');
    assert.deepEqual(recent.map((r) => `${r.task_id}:${r.field}`).sort(), ['TASK_1:detail', 'TASK_2:null', 'TASK_3:null', 'TASK_4:null'], 'the text field a task\'s context names');
    assert.deepEqual((await store.recentTasks(jobId, 1)).length, 1);
    const samples = await store.callSamples(jobId);
    assert.deepEqual(samples.map((s) => [s.at, s.ms, s.items, s.outcome]), [[t, 100, 2, 'ok'], [t + 200, 300, 1, 'ok']]);
    assert.deepEqual((await store.callSamples(jobId, t + 1)).map((s) => s.at), [t + 200]);
    await store.close();
  });
}

let counter = 0;
const unique = () => `${process.pid}_${Date.now()}_${String(counter++).padStart(6, '0')}`;

function meta(startedAt = Date.now() - 5, endedAt = Date.now(), items = 1) {
  return { workerId: 'w1', model: 'm', startedAt, endedAt, promptTokens: 10, completionTokens: 20, items, outcome: 'ok' };
}

/**
 * Six tasks: UI (priority 1) and Dialog (priority 5) × pt-BR and th, one batch per group and
 * language (B1 UI pt-BR, B2 UI th, B3 Dialog pt-BR, B4 Dialog th), every text distinct.
 */
async function createFixtureJob(store: JobStore, tenant?: string): Promise<string> {
  const jobId = `job_api_${unique()}`;
  const cells: Array<[number, string, 'UI' | 'Dialog', string]> = [
    [1, 'pt-BR', 'UI', 'B1'], [2, 'pt-BR', 'UI', 'B1'], [3, 'th', 'UI', 'B2'], [4, 'th', 'UI', 'B2'], [5, 'pt-BR', 'Dialog', 'B3'], [6, 'th', 'Dialog', 'B4'],
  ];
  const drafts: TaskDraft[] = cells.map(([n, lang, group, batchId]) => ({
    taskId: `TASK_${n}`, sheetName: 'UI', rowIdx: n, colIdx: 2, cellRef: `C${n + 1}`, sourceLang: 'en', sourceText: `text ${n}`, sourceContext: n === 1 ? '{"field":"detail"}' : '{}',
    targetLang: lang, targetRegion: null, groupId: `GROUP_${group}`, priority: group === 'UI' ? 1 : 5, dedupeKey: `${jobId}:${n}`, batchId,
  }));
  const packed = (batchId: string, seq: number, group: string, lang: string, count: number): PackedBatch => ({
    batchId, seq, groupId: `GROUP_${group}`, lane: 'short', targetLang: lang, priority: group === 'UI' ? 1 : 5, taskCount: count, uniqueCount: count, chars: 6, estInputTokens: 10, estOutputTokens: 10,
  });
  const batches = [packed('B1', 1, 'UI', 'pt-BR', 2), packed('B2', 2, 'UI', 'th', 2), packed('B3', 3, 'Dialog', 'pt-BR', 1), packed('B4', 4, 'Dialog', 'th', 1)];
  const job: NewJob = { jobId, kind: 'translate', tenant, sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} };
  await store.createJob(job, toTaskRows(jobId, 'e', drafts, ''), toBatchRows(jobId, batches));
  return jobId;
}
