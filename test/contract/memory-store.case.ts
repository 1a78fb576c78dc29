import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobStore } from '../../src/store/job-store.ts';
import type { PackedBatch } from '../../src/tasks/batching/pack-batches.ts';
import { toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';

/**
 * Translation memory and glossary storage, part of the JobStore contract (see job-store.case.ts).
 * Keys and versions are unique per test, so a shared database needs no cleanup.
 */
export function memoryStoreCases(name: string, open: () => Promise<JobStore>): void {
  const meta = () => ({ workerId: 'w1', model: 'sim-model', startedAt: Date.now() - 5, endedAt: Date.now(), promptTokens: 10, completionTokens: 20 });

  test(`${name}: committed results are remembered once per text; results held for review are not`, async () => {
    const store = await open();
    const jobId = `job_mem_${process.pid}_${Date.now()}_${n++}`;
    const key = (text: string) => `pt-BR:${jobId}:${text}`;
    const drafts = [draft(1, '确定', key('确定')), draft(2, '确定', key('确定')), draft(3, '取消', key('取消'))];
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, toTaskRows(jobId, 'e', drafts, ''), toBatchRows(jobId, [batch()]));
    assert.equal((await store.lookupMemory([key('确定')])).size, 0);
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    const results = [
      { dedupeKey: key('确定'), result: 'OK', tokenCount: 1 },
      { dedupeKey: key('取消'), result: 'Cancel{', tokenCount: 1, status: 'needs_review' as const, qaFlags: ['markup_mismatch'] },
    ];
    await store.commitResults(jobId, claim.batchId, results, meta(), { finish: true });
    assert.deepEqual([...(await store.lookupMemory([key('确定'), key('取消'), key('missing')]))], [[key('确定'), 'OK']]);
    await store.close();
  });

  test(`${name}: results are remembered at the end of a run or by the next lookup; an older job's never replace a newer one's`, async () => {
    const store = await open();
    const tag = `${process.pid}_${Date.now()}_${n++}`;
    const key = `pt-BR:${tag}:确定`;
    const commitIn = async (jobId: string, result: string, endedAt: number) => {
      await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, toTaskRows(jobId, 'e', [draft(1, '确定', key)], ''), toBatchRows(jobId, [batch()]));
      const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
      await store.commitResults(jobId, claim.batchId, [{ dedupeKey: key, result, tokenCount: 1 }], { ...meta(), startedAt: endedAt - 5, endedAt }, { finish: true });
    };
    // The older job's process died before its run ended: its result was never remembered.
    await commitIn(`job_old_${tag}`, 'Okay', Date.now() - 60_000);
    await commitIn(`job_new_${tag}`, 'OK', Date.now());
    await store.rememberResults(`job_new_${tag}`);
    await store.rememberResults(`job_new_${tag}`);
    assert.deepEqual([...(await store.lookupMemory([key]))], [[key, 'OK']]);
    await store.close();
  });

  test(`${name}: tasks answered from memory are stored completed and never claimed`, async () => {
    const store = await open();
    const jobId = `job_mem_${process.pid}_${Date.now()}_${n++}`;
    const remembered = { ...draft(1, '确定', `${jobId}:a`), batchId: undefined, memory: { result: 'OK', modelName: 'memory' } };
    await store.createJob({ jobId, kind: 'translate', sourceName: 'a.xlsx', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, toTaskRows(jobId, 'e', [remembered, draft(2, '取消', `${jobId}:b`)], ''), toBatchRows(jobId, [batch()]));
    const counts = await store.countByStatus(jobId);
    assert.deepEqual([counts.completed, counts.pending, counts.total], [1, 1, 2]);
    const claim = (await store.claimBatch(jobId, 'w1', 60_000))!;
    assert.deepEqual(claim.items.map((i) => i.sourceText), ['取消']);
    const written: string[] = [];
    for await (const r of store.writableResults(jobId)) written.push(r.result);
    assert.deepEqual(written, ['OK']);
    await store.close();
  });

  test(`${name}: a glossary is stored once per version and read back in order`, async () => {
    const store = await open();
    const version = `v_${process.pid}_${Date.now()}_${n++}`;
    const rows = [
      { source_term: '背包', target_lang: 'pt-BR', target_term: 'Mochila', do_not_translate: 0, note: 'inventory' },
      { source_term: 'Star Harbor', target_lang: '*', target_term: null, do_not_translate: 1, note: null },
    ];
    await store.saveGlossary(version, rows);
    await store.saveGlossary(version, rows);
    const loaded = await store.loadGlossary(version);
    assert.deepEqual(loaded.map((r) => ({ ...r, do_not_translate: Number(r.do_not_translate) })), rows);
    assert.deepEqual(await store.loadGlossary(`${version}-other`), []);
    await store.close();
  });

  test(`${name}: a glossary version stored by several writers at once is there once`, async () => {
    const store = await open();
    const version = `v_${process.pid}_${Date.now()}_${n++}`;
    const rows = Array.from({ length: 200 }, (_, i) => ({ source_term: `术语${i}`, target_lang: 'th', target_term: `t${i}`, do_not_translate: 0, note: null }));
    // On PostgreSQL and MySQL these are concurrent transactions on separate connections.
    await Promise.all(Array.from({ length: 4 }, () => store.saveGlossary(version, rows)));
    assert.equal((await store.loadGlossary(version)).length, rows.length);
    await store.close();
  });
}

let n = 0;

function draft(row: number, text: string, dedupeKey: string): TaskDraft {
  return {
    taskId: `TASK_${row}`, sheetName: 'UI', rowIdx: row, colIdx: 2, cellRef: `C${row + 1}`, sourceLang: 'zh-CN', sourceText: text, sourceContext: '{}',
    targetLang: 'pt-BR', targetRegion: 'BR', groupId: 'GROUP_UI_UI', priority: 1, dedupeKey, batchId: 'BATCH_PT_BR_001',
  };
}

function batch(): PackedBatch {
  return { batchId: 'BATCH_PT_BR_001', seq: 1, groupId: 'GROUP_UI_UI', lane: 'short', targetLang: 'pt-BR', priority: 1, taskCount: 3, uniqueCount: 2, chars: 4, estInputTokens: 10, estOutputTokens: 10 };
}
