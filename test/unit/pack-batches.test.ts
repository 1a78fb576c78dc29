import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateOutputTokens, estimateTokens, ITEM_OVERHEAD_TOKENS } from '../../src/tasks/batching/estimate-tokens.ts';
import { packBatches, type PackOptions } from '../../src/tasks/batching/pack-batches.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';

let seq = 0;
function task(text: string, lang = 'pt-BR', group = 'GROUP_UI_UI', priority = 3): TaskDraft {
  seq++;
  return {
    taskId: `TASK_${seq}`,
    sheetName: 'UI',
    rowIdx: seq,
    colIdx: 2,
    cellRef: `C${seq}`,
    sourceLang: 'zh-CN',
    sourceText: text,
    sourceContext: '{}',
    targetLang: lang,
    targetRegion: null,
    groupId: group,
    priority,
    dedupeKey: `${lang}|${text}`,
  };
}

const roomy: PackOptions = { maxInputTokens: 100_000, maxOutputTokens: 100_000, maxChars: 1_000_000, maxBatchSize: 100 };

test('one target language per batch, ids in BATCH_PT_BR_001 style', () => {
  const tasks = [task('开始', 'pt-BR'), task('开始', 'th'), task('退出', 'pt-BR'), task('退出', 'vi')];
  const batches = packBatches(tasks, roomy);
  assert.deepEqual(batches.map((b) => [b.batchId, b.targetLang, b.uniqueCount]), [
    ['BATCH_PT_BR_001', 'pt-BR', 2],
    ['BATCH_TH_001', 'th', 1],
    ['BATCH_VI_001', 'vi', 1],
  ]);
  for (const t of tasks) assert.equal(batches.find((b) => b.batchId === t.batchId)?.targetLang, t.targetLang);
});

test('duplicates share the batch of their first occurrence and count once', () => {
  const tasks = [task('确定', 'pt-BR', 'GROUP_UI_UI'), task('确定', 'pt-BR', 'GROUP_Items_ITEM', 4), task('取消')];
  const batches = packBatches(tasks, roomy);
  assert.equal(tasks[0].batchId, tasks[1].batchId);
  const batch = batches.find((b) => b.batchId === tasks[0].batchId)!;
  assert.equal(batch.uniqueCount, 2);
  assert.equal(batch.taskCount, 3);
});

test('the output budget binds before the input budget for an expanding target', () => {
  const text = '这是一个相当长的对话文本，用来测试批次的输出预算。';
  const perItemIn = estimateTokens(text) + ITEM_OVERHEAD_TOKENS;
  const perItemOut = estimateOutputTokens(text, 'th') + ITEM_OVERHEAD_TOKENS;
  assert.ok(perItemOut > perItemIn, 'Thai output costs more tokens than the Chinese input');
  const tasks = Array.from({ length: 40 }, (_, i) => task(`${text}${i}`, 'th'));
  const batches = packBatches(tasks, { ...roomy, maxInputTokens: perItemIn * 20 + 50, maxOutputTokens: (perItemOut + 2) * 10 });
  for (const b of batches) {
    assert.ok(b.estOutputTokens <= (perItemOut + 2) * 10, `${b.batchId} output ${b.estOutputTokens}`);
    assert.ok(b.uniqueCount <= 10);
  }
  assert.equal(batches.reduce((s, b) => s + b.uniqueCount, 0), 40);
});

test('a cell larger than the budget goes alone, never split', () => {
  const huge = '长'.repeat(5_000);
  const tasks = [task('短'), task(huge), task('也短')];
  const batches = packBatches(tasks, { ...roomy, maxInputTokens: 500, maxOutputTokens: 500 });
  const alone = batches.find((b) => b.batchId === tasks[1].batchId)!;
  assert.equal(alone.uniqueCount, 1);
  assert.equal(alone.chars, 5_000);
  assert.equal(alone.lane, 'long');
});

test('max_batch_size caps items per call; batches come in priority order', () => {
  const tasks = [
    ...Array.from({ length: 7 }, (_, i) => task(`对话${i}。`, 'pt-BR', 'GROUP_Dialog_DIALOG', 6)),
    ...Array.from({ length: 5 }, (_, i) => task(`按钮${i}`, 'pt-BR', 'GROUP_UI_UI', 1)),
  ];
  const batches = packBatches(tasks, { ...roomy, maxBatchSize: 3 });
  assert.ok(batches.every((b) => b.uniqueCount <= 3));
  const priorities = batches.map((b) => b.priority);
  assert.deepEqual(priorities, [...priorities].sort((a, b) => a - b));
  assert.equal(batches[0].groupId, 'GROUP_UI_UI');
  assert.deepEqual(batches.map((b) => b.seq), batches.map((_, i) => i + 1));
});

test("a batch's texts, in and out together, stay inside the per-call budget derived from the TPM limit", async () => {
  const tasks = Array.from({ length: 100 }, (_, i) => task(`物品 ${i} 的描述：造成 %d 点伤害`));
  const perItem = tasks.slice(0, 1).map((t) => estimateTokens(t.sourceText) + estimateOutputTokens(t.sourceText, 'pt-BR') + 2 * ITEM_OVERHEAD_TOKENS)[0];
  const batches = packBatches(tasks, { ...roomy, maxCallTokens: perItem * 30 });
  assert.ok(batches.length >= 4, `${batches.length} batches`);
  for (const b of batches) assert.ok(b.estInputTokens + b.estOutputTokens <= perItem * 30, `${b.estInputTokens + b.estOutputTokens} tokens`);
  // packOptions: TPM 200,000 is 3,333 tokens a second; a batch gets 80% of it, less the prompt.
  const { packOptions } = await import('../../src/tasks/prepare-job.ts');
  const { configSchema } = await import('../../src/config/config-schema.ts');
  assert.equal(packOptions(configSchema.parse({ llm: { performance: { tpm_throttle: 200_000 } } })).maxCallTokens, Math.floor((200_000 / 60) * 0.8) - 250);
  assert.equal(packOptions(configSchema.parse({})).maxCallTokens, Math.floor((1_100_000 / 60) * 0.8) - 250, 'the default limit is far above a batch of short strings');
});
