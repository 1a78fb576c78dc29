import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { BatchRow, JobStore, NewTaskRow } from '../../src/store/job-store.ts';
import { toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import type { PackedBatch } from '../../src/tasks/batching/pack-batches.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';
import { RESULT_PAGE } from '../../src/store/queries/progress-queries.ts';
import { apiStoreCases } from './api-store.case.ts';
import { closedAtEnd } from './closed-at-end.ts';
import { memoryStoreCases } from './memory-store.case.ts';

/**
 * The JobStore contract, run against every back end. `open` returns a fresh, migrated store;
 * each test uses its own job id so back ends with a shared database need no cleanup between tests.
 */
export function jobStoreCases(name: string, openStore: () => Promise<JobStore>): void {
  const open = closedAtEnd(openStore);
  memoryStoreCases(name, open);
  apiStoreCases(name, open);
  const meta = (workerId = 'w1') => ({ workerId, model: 'm', startedAt: Date.now() - 5, endedAt: Date.now(), promptTokens: 10, completionTokens: 20 });

  test(`${name}: writableResults pages through a job bigger than one page, each result once`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const n = RESULT_PAGE + 3;
    const drafts: TaskDraft[] = Array.from({ length: n }, (_, i) => ({
      taskId: `TASK_${String(i).padStart(6, '0')}`, sheetName: 'UI', rowIdx: i + 1, colIdx: 2, cellRef: `C${i + 2}`, sourceLang: 'zh-CN', sourceText: '确定',
      sourceContext: '{}', targetLang: 'pt-BR', targetRegion: 'BR', groupId: 'GROUP_UI_UI', priority: 1, dedupeKey: 'k-ok', batchId: 'BATCH_PT_BR_001',
    }));
    const batch: PackedBatch = { batchId: 'BATCH_PT_BR_001', seq: 1, groupId: 'GROUP_UI_UI', lane: 'short', targetLang: 'pt-BR', priority: 1, taskCount: n, uniqueCount: 1, chars: 2, estInputTokens: 10, estOutputTokens: 10 };
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, [...toTaskRows(jobId, 'excel', drafts, '')], toBatchRows(jobId, [batch]));
    const claim = await store.claimBatch(jobId, 'w1', 60_000);
    await store.commitResults(jobId, claim!.batchId, [{ dedupeKey: 'k-ok', result: 'OK', tokenCount: 3 }], meta());
    const rows = new Set<number>();
    for await (const r of store.writableResults(jobId)) {
      assert.equal(r.result, 'OK');
      rows.add(r.rowIdx);
    }
    assert.equal(rows.size, n, 'every result of every page, none twice');
    await store.close();
  });

  test(`${name}: writableResults of one sheet come in row order across pages, each once; writableExtents bound each sheet`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    // Two target columns, ids language by language as the splitter numbers them: task order is not row order.
    const rows = RESULT_PAGE / 2 + 3;
    let seq = 0;
    const draft = (sheetName: string, rowIdx: number, colIdx: number): TaskDraft => ({
      taskId: `TASK_${String(seq++).padStart(6, '0')}`, sheetName, rowIdx, colIdx, cellRef: `X${rowIdx + 1}`, sourceLang: 'zh-CN', sourceText: '确定',
      sourceContext: '{}', targetLang: 'pt-BR', targetRegion: 'BR', groupId: 'GROUP_UI_UI', priority: 1, dedupeKey: `k-${colIdx}`, batchId: 'BATCH_PT_BR_001',
    });
    const drafts: TaskDraft[] = [];
    for (const col of [3, 2]) for (let row = 1; row <= rows; row++) drafts.push(draft('UI', row, col));
    drafts.push(draft('Items', 7, 4), draft('Items', 2, 5));
    const batch: PackedBatch = { batchId: 'BATCH_PT_BR_001', seq: 1, groupId: 'GROUP_UI_UI', lane: 'short', targetLang: 'pt-BR', priority: 1, taskCount: drafts.length, uniqueCount: 4, chars: 8, estInputTokens: 10, estOutputTokens: 10 };
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, [...toTaskRows(jobId, 'excel', drafts, '')], toBatchRows(jobId, [batch]));
    const claim = await store.claimBatch(jobId, 'w1', 60_000);
    await store.commitResults(jobId, claim!.batchId, claim!.items.map((i) => ({ dedupeKey: i.dedupeKey, result: `R ${i.dedupeKey}`, tokenCount: 3 })), meta());
    const seen = new Set<string>();
    let previous = -1;
    for await (const r of store.writableResults(jobId, { sheet: 'UI' })) {
      assert.equal(r.sheetName, 'UI');
      assert.ok(r.rowIdx >= previous, `row ${r.rowIdx} after row ${previous}`);
      previous = r.rowIdx;
      assert.equal(r.result, `R k-${r.colIdx}`);
      const cell = `${r.rowIdx}:${r.colIdx}`;
      assert.ok(!seen.has(cell), `${cell} once`);
      seen.add(cell);
    }
    assert.equal(seen.size, 2 * rows, 'every cell of the sheet, across pages whose edge falls inside a row');
    const items = [];
    for await (const r of store.writableResults(jobId, { sheet: 'Items' })) items.push([r.rowIdx, r.colIdx]);
    assert.deepEqual(items, [[2, 5], [7, 4]]);
    const extents = (await store.writableExtents(jobId)).sort((a, b) => a.sheetName.localeCompare(b.sheetName));
    assert.deepEqual(extents, [
      { sheetName: 'Items', top: 2, bottom: 7, left: 4, right: 5 },
      { sheetName: 'UI', top: 1, bottom: rows, left: 2, right: 3 },
    ]);
    assert.deepEqual(await store.writableExtents(jobId, { upToCheckpoint: 'CKPT_0' }), [], 'nothing stamped by a checkpoint yet');
    await store.close();
  });

  test(`${name}: claims by priority, never hands out a completed task, fans results out to duplicates`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    const first = await store.claimBatch(jobId, 'w1', 60_000);
    assert.equal(first?.batchId, 'BATCH_PT_BR_002', 'priority 1 before priority 5');
    assert.deepEqual(first!.items.map((i) => i.sourceText).sort(), ['确定']);
    const counts = await store.countByStatus(jobId);
    assert.equal(counts.processing, 2, 'both tasks of the claimed batch (one a duplicate) count as processing');
    await store.commitResults(jobId, first!.batchId, [{ dedupeKey: first!.items[0].dedupeKey, result: 'OK', tokenCount: 3 }], meta());
    await store.finishBatch(jobId, first!.batchId);
    const second = await store.claimBatch(jobId, 'w1', 60_000);
    assert.equal(second?.batchId, 'BATCH_PT_BR_001');
    assert.equal(await store.claimBatch(jobId, 'w2', 60_000), undefined, 'nothing else is claimable');
    const results = [];
    for await (const r of store.writableResults(jobId)) results.push(r);
    assert.deepEqual(results.map((r) => [r.rowIdx, r.result]).sort(), [[1, 'OK'], [2, 'OK']]);
    assert.ok(results.every((r) => r.sourceContext === undefined), 'no context unless asked for');
    const withContext = [];
    for await (const r of store.writableResults(jobId, { withContext: true })) withContext.push(r.sourceContext);
    assert.equal(withContext.length, 2);
    assert.ok(withContext.every((c) => typeof c === 'string' && c.length > 0), 'each task\'s stored context (a map job keeps its row id there)');
    const after = await store.countByStatus(jobId);
    assert.deepEqual([after.completed, after.processing, after.pending, after.total], [2, 1, 0, 3]);
    const totals = await store.jobTotals(jobId);
    assert.deepEqual(totals, { apiCalls: 1, promptTokens: 10, completionTokens: 20, estimatedTokens: 0 });
    await store.close();
  });

  test(`${name}: an expired lease makes a batch claimable again, with only its open tasks`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    const now = Date.now();
    const a = await store.claimBatch(jobId, 'dead', 1_000, now);
    const b = await store.claimBatch(jobId, 'dead', 1_000, now);
    assert.ok(a && b);
    assert.equal(await store.claimBatch(jobId, 'live', 1_000, now + 500), undefined, 'leases still held');
    const again = await store.claimBatch(jobId, 'live', 1_000, now + 1_500);
    assert.equal(again?.batchId, a.batchId);
    assert.equal(again?.attempts, 2);
    await store.releaseBatch(jobId, b.batchId, 'someone-else');
    assert.equal(await store.claimBatch(jobId, 'live', 1_000), undefined, 'only the holder gives a lease back');
    await store.releaseBatch(jobId, b.batchId, 'dead');
    assert.equal((await store.claimBatch(jobId, 'live', 1_000))?.batchId, b.batchId, 'a released batch is claimable at once');
    assert.equal(await store.openBatchCount(jobId), 2);
    await store.close();
  });

  test(`${name}: a batch is leased by id once: not while a live lease holds it, not when done or paused`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    const now = Date.now();
    const byId = await store.claimBatchById(jobId, 'BATCH_PT_BR_001', 'w1', 1_000, now);
    assert.equal(byId?.batchId, 'BATCH_PT_BR_001', 'by id, whatever its priority');
    assert.deepEqual([byId!.attempts, byId!.items.map((i) => i.sourceText)], [1, ['欢迎回来。']]);
    const [leased, ...more] = await store.leasedBatches(jobId);
    assert.deepEqual([{ batchId: leased.batchId, workerId: leased.workerId }, more], [{ batchId: 'BATCH_PT_BR_001', workerId: 'w1' }, []]);
    assert.ok(leased.leaseUntil! > Date.now(), 'a live lease says until when');
    assert.equal(await store.claimBatchById(jobId, 'BATCH_PT_BR_001', 'w2', 1_000, now + 500), undefined, 'a live lease holds it');
    assert.equal((await store.claimBatch(jobId, 'w2', 1_000, now + 500))?.batchId, 'BATCH_PT_BR_002', 'the claim in priority order skips it');
    const taken = await store.claimBatchById(jobId, 'BATCH_PT_BR_001', 'w2', 1_000, now + 1_500);
    assert.deepEqual([taken?.batchId, taken?.attempts], ['BATCH_PT_BR_001', 2], 'an expired lease is taken over');
    await store.commitResults(jobId, 'BATCH_PT_BR_001', [{ dedupeKey: taken!.items[0].dedupeKey, result: 'Bem-vindo.', tokenCount: 3 }], meta('w2'), { finish: true });
    assert.equal(await store.claimBatchById(jobId, 'BATCH_PT_BR_001', 'w3', 1_000, now + 5_000), undefined, 'a done batch is never run again');
    assert.equal(await store.claimBatchById(jobId, 'BATCH_NONE', 'w3', 1_000), undefined, 'an unknown id');
    await store.releaseBatch(jobId, 'BATCH_PT_BR_002', 'w2');
    await store.pauseGroups(jobId, ['GROUP_UI_UI']);
    assert.equal(await store.claimBatchById(jobId, 'BATCH_PT_BR_002', 'w3', 1_000), undefined, 'its group is paused');
    await store.resumeGroups(jobId);
    await store.setJobStatus(jobId, 'paused');
    assert.equal(await store.claimBatchById(jobId, 'BATCH_PT_BR_002', 'w3', 1_000), undefined, 'its job is paused');
    await store.setJobStatus(jobId, 'running');
    assert.equal((await store.claimBatchById(jobId, 'BATCH_PT_BR_002', 'w3', 1_000))?.batchId, 'BATCH_PT_BR_002');
    await store.close();
  });

  test(`${name}: a worker id with a 253-character host name is stored in every column that names a worker`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    // The longest a DNS name may be, as queue/local/worker-id.ts builds ids: host:pid@starttime:n.
    const host = Array.from({ length: 4 }, (_, i) => `${'h'.repeat(62)}${i}`).join('.').slice(0, 253);
    const worker = `${host}:4194304@18446744073709551615:12`;
    const claim = (await store.claimBatch(jobId, worker, 60_000))!;
    assert.deepEqual((await store.leasedBatches(jobId)).map((b) => ({ batchId: b.batchId, workerId: b.workerId })), [{ batchId: claim.batchId, workerId: worker }], 'batches.worker_id');
    await store.log({ jobId, batchId: claim.batchId, event: 'claimed', workerId: worker });
    await store.failItems(jobId, claim.batchId, [{ dedupeKey: claim.items[0].dedupeKey, errorType: 'format', errorMsg: 'x' }], worker);
    await store.recordCall(jobId, { ...meta(worker), outcome: 'timeout' });
    await store.finishBatch(jobId, claim.batchId, worker);
    assert.equal((await store.taskPage(jobId, { statuses: ['failed'], offset: 0, limit: 10 })).rows[0]?.worker_id, worker, 'tasks.worker_id');
    await store.close();
  });

  test(`${name}: an upload session is found by id from any process of the store, and dropped`, async () => {
    const store = await open();
    const sessionId = uniqueJob();
    const upload = { sessionId, tenant: 'acme', fileName: 'strings.xlsx', fileId: `${'a'.repeat(64)}.xlsx`, createdAt: 1_700_000_000_000 };
    await store.saveUpload(upload);
    assert.deepEqual(await store.getUpload(sessionId), upload);
    await store.deleteUpload(sessionId);
    assert.equal(await store.getUpload(sessionId), undefined);
    await store.close();
  });

  test(`${name}: cells that failed on transient errors go back to pending for a resume; format failures stay`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    const first = (await store.claimBatch(jobId, 'w1', 60_000))!;
    await store.failItems(jobId, first.batchId, [{ dedupeKey: first.items[0].dedupeKey, errorType: 'server', errorMsg: 'HTTP 503' }], 'w1');
    await store.finishBatch(jobId, first.batchId, 'w1');
    const second = (await store.claimBatch(jobId, 'w1', 60_000))!;
    await store.failItems(jobId, second.batchId, [{ dedupeKey: second.items[0].dedupeKey, errorType: 'format', errorMsg: 'bad JSON' }], 'w1');
    await store.finishBatch(jobId, second.batchId, 'w1');
    assert.equal(await store.openBatchCount(jobId), 0);
    assert.equal(await store.requeueTransientFailures(jobId), 2, 'the 503 cell and its duplicate');
    const counts = await store.countByStatus(jobId);
    assert.deepEqual([counts.pending, counts.failed], [2, 1]);
    assert.equal((await store.claimBatch(jobId, 'w2', 60_000))?.batchId, first.batchId);
    await store.close();
  });

  test(`${name}: failures and retries are recorded per task; jobs list and status`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: '/o.xlsx', options: { x: 1 } }, tasks, batches);
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const key = claim.items[0].dedupeKey;
    await store.recordRetry(jobId, claim.batchId, [key], 'timeout', 'request timed out');
    await store.failItems(jobId, claim.batchId, [{ dedupeKey: key, errorType: 'format', errorMsg: 'missing ids' }], 'w1');
    await store.finishBatch(jobId, claim.batchId);
    const counts = await store.countByStatus(jobId);
    assert.equal(counts.failed, 2);
    const groups = await store.progressByGroup(jobId);
    assert.deepEqual(groups.map((g) => [g.groupId, g.priority, g.failed, g.total]), [['GROUP_UI_UI', 1, 2, 2], ['GROUP_Dialog_DIALOG', 5, 0, 1]]);
    await store.setJobStatus(jobId, 'running');
    assert.equal((await store.latestJob({ unfinished: true }))?.job_id, jobId);
    assert.ok((await store.listJobs({ active: true })).some((j) => j.job_id === jobId));
    await store.setJobStatus(jobId, 'completed');
    assert.equal((await store.getJob(jobId))?.status, 'completed');
    assert.ok(!(await store.listJobs({ active: true })).some((j) => j.job_id === jobId));
    await store.close();
  });

  test(`${name}: every call attempt is logged per endpoint; only answered ones count in the job's totals`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const at = Date.now();
    // startedAt is when the request went out; waitMs what it queued at the limiter before that.
    const call = (ms: number, outcome: string, endpoint: string, waitMs = 0) => ({ ...meta(), startedAt: at, endedAt: at + ms, waitMs, endpoint, outcome, batchId: claim.batchId, items: 1 });
    await store.recordCall(jobId, call(50, 'rate_limit', 'a', 7_000));
    await store.recordCall(jobId, call(900, 'timeout', 'a'));
    // A reply without usage: its tokens are fanyi's estimate, and the totals say how many.
    await store.recordCall(jobId, { ...call(100, 'format', 'b', 2_000), tokensEstimated: true });
    await store.commitResults(jobId, claim.batchId, [{ dedupeKey: claim.items[0].dedupeKey, result: 'OK', tokenCount: 3 }], call(300, 'ok', 'b', 9_000), { finish: true });
    const stats = await store.endpointStats(jobId);
    const byName = Object.fromEntries(stats.map((s) => [s.endpoint, s]));
    assert.deepEqual([byName.a.calls, byName.a.answered, byName.a.rateLimited, byName.a.errors, byName.a.p50Ms], [2, 0, 1, 1, null]);
    assert.deepEqual([byName.b.calls, byName.b.answered, byName.b.errors, byName.b.p50Ms, byName.b.p95Ms, byName.b.tokens], [2, 2, 0, 100, 300, 60]);
    // Latency is the call alone; every attempt's wait is counted apart, unanswered ones too.
    assert.deepEqual([byName.a.waitP50Ms, byName.a.waitP95Ms, byName.b.waitP50Ms, byName.b.waitP95Ms], [0, 7_000, 2_000, 9_000]);
    assert.deepEqual(await store.jobTotals(jobId), { apiCalls: 2, promptTokens: 20, completionTokens: 40, estimatedTokens: 30 });
    await store.recordEvent(jobId, { kind: 'adjust:workers', message: 'workers 10 → 9', data: { to: 9 }, at: at });
    await store.recordEvent(jobId, { kind: 'checkpoint', message: 'later', at: at + 1 });
    const events = await store.jobEvents(jobId, 1);
    assert.deepEqual(events.map((e) => e.kind), ['checkpoint'], 'the newest first when limited, oldest first in order');
    assert.deepEqual((await store.jobEvents(jobId))[0].data, { to: 9 });
    assert.deepEqual((await store.jobEvents(jobId, 5, ['adjust:workers', 'report'])).map((e) => e.kind), ['adjust:workers'], 'only the kinds asked for');
    await store.close();
  });

  test(`${name}: tasks counted per QA flag code, once per task and code; stored job options replaced`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: { x: 1 } }, tasks, batches);
    assert.deepEqual(await store.countByFlag(jobId), {});
    const first = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const twoCodes = ['placeholder_mismatch: missing {0}', 'placeholder_mismatch: missing {1}', 'too_long: 14 characters, limit 10'];
    await store.commitResults(jobId, first.batchId, [{ dedupeKey: first.items[0].dedupeKey, result: 'OK', tokenCount: 1, status: 'needs_review', qaFlags: twoCodes }], meta(), { finish: true });
    const second = (await store.claimBatch(jobId, 'w1', 60_000))!;
    await store.commitResults(jobId, second.batchId, [{ dedupeKey: second.items[0].dedupeKey, result: 'OK', tokenCount: 1, status: 'needs_review', qaFlags: ['too_long: 30 characters, limit 10'] }], meta(), { finish: true });
    assert.deepEqual(Object.entries(await store.countByFlag(jobId)), [['too_long', 3], ['placeholder_mismatch', 2]], 'the duplicate carries the flags too; most frequent first');
    await store.setJobOptions(jobId, { x: 1, highlight: true, reviewPath: '/r.csv' });
    assert.deepEqual(JSON.parse((await store.getJob(jobId))!.options), { x: 1, highlight: true, reviewPath: '/r.csv' });
    await store.close();
  });

  test(`${name}: a checkpoint stamps the settled tasks it covers; the snapshot streams every task in order`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const { tasks, batches } = fixture(jobId);
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, tasks, batches);
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    await store.commitResults(jobId, claim.batchId, [{ dedupeKey: claim.items[0].dedupeKey, result: 'OK', tokenCount: 3 }], meta(), { finish: true });
    assert.equal(await store.createCheckpoint(jobId, { checkpointId: 'CKPT_1', filePath: '/c1.xlsx', metadata: { n: 1 } }), 2);
    const second = (await store.claimBatch(jobId, 'w1', 60_000))!;
    await store.failItems(jobId, second.batchId, [{ dedupeKey: second.items[0].dedupeKey, errorType: 'format', errorMsg: 'x' }], 'w1');
    assert.equal(await store.createCheckpoint(jobId, { checkpointId: 'CKPT_2', filePath: '/c2.xlsx', metadata: null }), 3);
    const snapshot = [];
    for await (const row of store.taskSnapshot(jobId)) snapshot.push([row.task_id, row.status, row.checkpoint_id]);
    assert.deepEqual(snapshot, [['TASK_1', 'completed', 'CKPT_1'], ['TASK_2', 'completed', 'CKPT_1'], ['TASK_3', 'failed', 'CKPT_2']]);
    assert.deepEqual((await store.listCheckpoints(jobId)).map((c) => [c.checkpointId, c.taskCount]), [['CKPT_2', 3], ['CKPT_1', 2]]);
    await store.setCheckpointMetadata(jobId, 'CKPT_2', { increment: 'abc.jsonl', increments: ['abc.jsonl'] });
    assert.deepEqual((await store.listCheckpoints(jobId)).map((c) => c.metadata), [{ increment: 'abc.jsonl', increments: ['abc.jsonl'] }, { n: 1 }]);
    await store.deleteCheckpoint(jobId, 'CKPT_1');
    assert.deepEqual((await store.listCheckpoints(jobId)).map((c) => c.checkpointId), ['CKPT_2']);
    await store.close();
  });

  test(`${name}: a purged job leaves no row behind; a file stays while a job, upload or checkpoint names it`, async () => {
    const store = await open();
    const jobId = uniqueJob();
    const other = uniqueJob();
    const fileId = (tag: string) => `${createHash('sha256').update(`${jobId}-${tag}`).digest('hex')}.xlsx`;
    const [source, increment, uploaded] = [fileId('source'), fileId('increment'), fileId('upload')];
    for (const id of [jobId, other]) {
      const { tasks, batches } = fixture(id);
      await store.createJob({ jobId: id, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', sourceFile: source, excelId: 'e', outPath: null, options: {} }, tasks, batches);
    }
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    await store.commitResults(jobId, claim.batchId, [{ dedupeKey: claim.items[0].dedupeKey, result: 'OK', tokenCount: 3 }], meta(), { finish: true });
    await store.recordCall(jobId, { ...meta(), outcome: 'ok' });
    await store.recordEvent(jobId, { kind: 'note', message: 'x' });
    await store.createCheckpoint(jobId, { checkpointId: `CKPT_${createHash('sha256').update(jobId).digest('hex').slice(0, 20)}`, filePath: 'c.xlsx', metadata: { increments: [increment] } });
    await store.setJobStatus(jobId, 'completed');
    assert.ok((await store.finishedJobsBefore(Date.now() + 1, 100_000)).includes(jobId));
    assert.ok(!(await store.finishedJobsBefore(Date.now() + 1, 100_000)).includes(other), 'a queued job is not finished');
    assert.equal(await store.isFileReferenced(increment), true, 'named by a checkpoint');
    const rows = await store.deleteJob(jobId);
    assert.equal(rows.jobs, 1);
    assert.equal(rows.tasks, 3);
    assert.ok(rows.batches === 2 && rows.calls >= 1 && rows.job_events >= 1 && rows.checkpoints === 1 && rows.task_logs >= 1, JSON.stringify(rows));
    assert.equal(await store.getJob(jobId), undefined);
    assert.equal((await store.countByStatus(jobId)).total, 0);
    assert.deepEqual(await store.listCheckpoints(jobId), []);
    assert.equal(await store.isFileReferenced(increment), false, 'its checkpoint is gone');
    assert.equal(await store.isFileReferenced(source), true, 'the other job of the same workbook names it');
    assert.equal((await store.countByStatus(other)).total, 3, 'the other job is untouched');
    await store.saveUpload({ sessionId: `up_${jobId}`.slice(0, 64), tenant: 't', fileName: 'u.xlsx', fileId: uploaded, createdAt: Date.now() - 10_000 });
    assert.equal(await store.isFileReferenced(uploaded), true, 'named by an upload');
    assert.ok((await store.staleUploads(Date.now(), 100_000)).some((u) => u.fileId === uploaded), 'an old upload that never became a job is stale');
    assert.ok(!(await store.staleUploads(Date.now() - 20_000, 100_000)).some((u) => u.fileId === uploaded), 'a newer one is not');
    await store.close();
  });
}

let counter = 0;
function uniqueJob(): string {
  return `job_test_${process.pid}_${Date.now()}_${counter++}`;
}

function fixture(jobId: string): { tasks: NewTaskRow[]; batches: BatchRow[] } {
  const draft = (n: number, text: string, groupId: string, priority: number, batchId: string): TaskDraft => ({
    taskId: `TASK_${n}`,
    sheetName: 'UI',
    rowIdx: n,
    colIdx: 2,
    cellRef: `C${n + 1}`,
    sourceLang: 'zh-CN',
    sourceText: text,
    sourceContext: '{}',
    targetLang: 'pt-BR',
    targetRegion: 'BR',
    groupId,
    priority,
    dedupeKey: `k-${text}`,
    batchId,
  });
  const drafts = [draft(1, '确定', 'GROUP_UI_UI', 1, 'BATCH_PT_BR_002'), draft(2, '确定', 'GROUP_UI_UI', 1, 'BATCH_PT_BR_002'), draft(3, '欢迎回来。', 'GROUP_Dialog_DIALOG', 5, 'BATCH_PT_BR_001')];
  const packed = (batchId: string, seq: number, groupId: string, priority: number, n: number): PackedBatch => ({
    batchId, seq, groupId, lane: 'short', targetLang: 'pt-BR', priority, taskCount: n, uniqueCount: 1, chars: 5, estInputTokens: 10, estOutputTokens: 10,
  });
  return {
    tasks: [...toTaskRows(jobId, 'excel', drafts, '')],
    batches: toBatchRows(jobId, [packed('BATCH_PT_BR_001', 2, 'GROUP_Dialog_DIALOG', 5, 1), packed('BATCH_PT_BR_002', 1, 'GROUP_UI_UI', 1, 2)]),
  };
}
