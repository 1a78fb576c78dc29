import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config-schema.ts';
import { FanyiError } from '../../src/errors.ts';
import { prepareJob, startJob } from '../../src/tasks/prepare-job.ts';
import { blockRowsFor, checkMemoryBudget, MAX_BLOCK_ROWS, MIN_BLOCK_ROWS, memoryNeed } from '../../src/workbook/memory-budget.ts';
import { heldScan, type CellValue, type SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';

// system.max_memory_usage (issue 16): a workbook that cannot fit is refused before it is read, and a
// smaller budget plans in smaller blocks, with the same plan as a whole.

const MB = 1024 * 1024;

function table(rows: number): SpreadsheetDocument {
  const cells: CellValue[][] = [['Key', 'CH', 'EN', 'PT', 'TH', 'VN']];
  for (let i = 0; i < rows; i++) {
    const common = i % 5 < 2;
    cells.push([`key_${i}`, common ? `常用文本 ${i % 50}` : `物品 ${i} 的描述`, common ? `Common text ${i % 50}` : `Item ${i} description`, null, null, null]);
  }
  return { format: 'xlsx', sheets: [{ name: 'Strings', index: 0, hidden: false, rows: cells, comments: new Map(), merges: [] }], setText() {}, async save() {} };
}

test('the seed default plans in full blocks; a smaller budget in smaller ones, never below the floor', () => {
  assert.equal(blockRowsFor(4096), MAX_BLOCK_ROWS);
  assert.equal(blockRowsFor(undefined), MAX_BLOCK_ROWS);
  const small = blockRowsFor(256);
  assert.ok(small < MAX_BLOCK_ROWS && small >= MIN_BLOCK_ROWS, `256 MB → ${small} rows`);
  assert.ok(blockRowsFor(512) > small, 'more budget, bigger blocks');
  assert.equal(blockRowsFor(1), MIN_BLOCK_ROWS);
});

test('a small budget splits a table into several blocks and plans it as the whole would be planned', async () => {
  const config = configSchema.parse({ system: { max_memory_usage: 128 } });
  const rows = 3 * blockRowsFor(128) + 17;
  const options = { to: ['pt-BR', 'th', 'vi'], overwrite: false };
  const run = startJob(heldScan(table(rows)), config, options);
  const sizes: number[] = [];
  for await (const block of run.blocks) sizes.push(block.length);
  assert.ok(sizes.length >= 4, `planned in ${sizes.length} blocks`);
  assert.ok(Math.max(...sizes) <= 3 * blockRowsFor(128), 'a block holds its rows\' three targets, no more');
  assert.equal(sizes.reduce((a, b) => a + b, 0), rows * 3);

  const small = prepareJob(table(rows), config, options);
  const whole = prepareJob(table(rows), configSchema.parse({}), options);
  assert.equal(small.tally.tasks, whole.tally.tasks);
  assert.equal(small.uniqueTexts, whole.uniqueTexts);
  // Blocks interleave the languages' batches (a block's pt-BR, th, vi, then the next block's); each language's come out the same.
  const perLanguage = (job: typeof small) => ['pt-BR', 'th', 'vi'].map((lang) => job.batches.filter((b) => b.targetLang === lang).map((b) => [b.lane, b.uniqueCount, b.taskCount]));
  assert.deepEqual(perLanguage(small), perLanguage(whole));
});

test('a workbook over the budget is refused with one line naming the need, the setting and what to do', () => {
  const sheetBytes = 1600 * MB;
  assert.ok(memoryNeed(sheetBytes, 'xlsx') > 2048 * MB);
  assert.throws(
    () => checkMemoryBudget('big.xlsx', sheetBytes, 'xlsx', 2048 * MB),
    (error: unknown) => error instanceof FanyiError && error.code === 'FILE_TOO_LARGE' && /^big\.xlsx needs about [\d,]+ MB of memory to plan \(its sheets expand to 1,600 MB\), over system\.max_memory_usage \(2,048 MB\); split the workbook or raise system\.max_memory_usage$/.test(error.message),
  );
  assert.doesNotThrow(() => checkMemoryBudget('big.xlsx', sheetBytes, 'xlsx', 8192 * MB));
  assert.doesNotThrow(() => checkMemoryBudget('big.xlsx', sheetBytes, 'xlsx', undefined));
  assert.ok(memoryNeed(600 * MB, 'csv') > 2048 * MB);
  assert.throws(() => checkMemoryBudget('big.csv', 600 * MB, 'csv', 2048 * MB), /of text/);
});
