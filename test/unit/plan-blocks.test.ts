import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchPacker, type PackOptions } from '../../src/tasks/batching/pack-batches.ts';
import { TaskPlanner } from '../../src/tasks/plan-tasks.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';

// A job planned a block at a time (a million-row sheet) must come out as one planned whole would:
// duplicates of an earlier block join that text's batch, counts add up, memory answers every copy.

let seq = 0;
function task(text: string, lang = 'pt-BR'): TaskDraft {
  seq++;
  return { taskId: `TASK_${seq}`, sheetName: 'S', rowIdx: seq, colIdx: 2, cellRef: `C${seq}`, sourceLang: 'zh-CN', sourceText: text, sourceContext: '{}', targetLang: lang, targetRegion: null, groupId: 'GROUP_S_UI', priority: 3, dedupeKey: `${lang}|${text}` };
}

const options: PackOptions = { maxInputTokens: 100_000, maxOutputTokens: 100_000, maxChars: 1_000_000, maxBatchSize: 4 };
const texts = ['一', '二', '三', '一', '四', '五', '二', '六', '一', '七', '三', '八'];

test('packing in blocks gives every copy of a text the batch of its first occurrence, counts as a whole', () => {
  const whole = texts.map((t) => task(t));
  const wholeBatches = new BatchPacker(options);
  wholeBatches.add(whole);
  const blocks = [texts.slice(0, 5), texts.slice(5, 9), texts.slice(9)].map((b) => b.map((t) => task(t)));
  const packer = new BatchPacker(options);
  for (const block of blocks) packer.add(block);
  const tasks = blocks.flat();
  const batchOf = new Map<string, string>();
  for (const t of tasks) {
    assert.ok(t.batchId, `${t.taskId} has a batch`);
    assert.equal(batchOf.get(t.sourceText) ?? t.batchId, t.batchId, `every '${t.sourceText}' shares one batch`);
    batchOf.set(t.sourceText, t.batchId!);
  }
  assert.equal(packer.batches.reduce((s, b) => s + b.taskCount, 0), tasks.length, 'task counts include later blocks’ duplicates');
  assert.equal(packer.batches.reduce((s, b) => s + b.uniqueCount, 0), 8);
  assert.deepEqual(packer.batches.map((b) => [b.uniqueCount, b.taskCount]), wholeBatches.batches.map((b) => [b.uniqueCount, b.taskCount]), 'an open batch keeps filling across blocks');
});

test('translation memory is asked once per new text and answers its copies in later blocks', async () => {
  const asked: string[][] = [];
  const planner = new TaskPlanner(options, { lookupMemory: async (keys) => (asked.push(keys), new Map(keys.filter((k) => k.endsWith('|一')).map((k) => [k, 'um']))) });
  const blocks = [texts.slice(0, 6), texts.slice(6)].map((b) => b.map((t) => task(t)));
  for (const block of blocks) await planner.add(block);
  assert.deepEqual(asked, [['pt-BR|一', 'pt-BR|二', 'pt-BR|三', 'pt-BR|四', 'pt-BR|五'], ['pt-BR|六', 'pt-BR|七', 'pt-BR|八']]);
  const ones = blocks.flat().filter((t) => t.sourceText === '一');
  assert.ok(ones.every((t) => t.memory?.result === 'um' && !t.batchId));
  assert.equal(planner.tally.memoryCells, 3);
  assert.equal(planner.tally.memoryTexts, 1);
  assert.equal(planner.tally.uniqueKeys, 8);
  assert.equal(planner.tally.tasks, 12);
  assert.equal(planner.packer.batches.reduce((s, b) => s + b.taskCount, 0), 9);
});
