/**
 * Planning from a scan (issue 16): analysis reads a sheet's first rows and a summary of the rest,
 * the split reads the rows again as they stream. Whatever only the rows past the head show (a
 * language column's gap, a column's script, a used column) must decide the plan exactly as it
 * does when the whole sheet is held, and the tasks must be the same.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { configSchema } from '../../src/config/config-schema.ts';
import { planJob, prepareJob, type PrepareOptions } from '../../src/tasks/prepare-job.ts';
import type { TaskDraft } from '../../src/tasks/split-tasks.ts';
import { analyseSheets } from '../../src/workbook/language-columns.ts';
import { readWorkbook, scanWorkbook } from '../../src/workbook/read-workbook.ts';
import { HEAD_ROWS, SheetSampler } from '../../src/workbook/sheet-sample.ts';
import { DEFAULT_READ_LIMITS, heldRows, type CellValue, type SheetTable, type WorkbookScan } from '../../src/workbook/sheet-model.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';

const config = configSchema.parse({});
const ROWS = 3 * HEAD_ROWS;
const THAI = ['สวัสดี', 'เริ่มเกม', 'ออกจากเกม', 'ตั้งค่า'];

/**
 * Key | CH | EN | JA | (no header) | (no header). JA is filled in every row but one past the head
 * (its only gap); the unheaded column 4 holds Thai past the head only; column 5 holds one value,
 * past the head, so a new column cannot go there.
 */
function tableRows(): CellValue[][] {
  const rows: CellValue[][] = [['Key', 'CH', 'EN', 'JA', '', '']];
  for (let i = 1; i <= ROWS; i++) {
    const row: CellValue[] = [`key_${i}`, i % 3 === 0 ? `常用 ${i % 40}` : `物品 ${i} 描述`, `Item ${i}`, i === 2_500 ? null : `アイテム ${i}`];
    if (i > HEAD_ROWS) row[4] = THAI[i % THAI.length];
    if (i === 2_900) row[5] = 'x';
    rows.push(row);
  }
  return rows;
}

function held(rows: CellValue[][]): SheetTable {
  return { name: 'Strings', index: 0, hidden: false, rows, comments: new Map([['2600:1', 'shown on the shop button']]), merges: [] };
}

/** The held sheet as a scan sees it: its head kept, the rest summarized, rows streamed again from memory. */
function scanned(sheet: SheetTable): WorkbookScan {
  const sampler = new SheetSampler();
  for (const row of heldRows(sheet)) sampler.add(row);
  const table = sampler.table(sheet);
  assert.equal(table.rows.length, HEAD_ROWS, 'the scan holds the head only');
  return { format: 'xlsx', sheets: [table], rows: async function* () { yield* heldRows(sheet); } };
}

async function plannedTasks(scan: WorkbookScan, options: PrepareOptions): Promise<TaskDraft[]> {
  const tasks: TaskDraft[] = [];
  await planJob(scan, config, options, { write: (block) => void tasks.push(...block) });
  return tasks;
}

const view = (t: TaskDraft) => [t.taskId, t.rowIdx, t.colIdx, t.targetLang, t.sourceText, t.sourceContext, t.dedupeKey, t.batchId];

test('layouts from a scan equal those from the held sheet: gaps, scripts and used columns past the head count', () => {
  const sheet = held(tableRows());
  const [whole] = analyseSheets([sheet]);
  const [fromScan] = analyseSheets(scanned(sheet).sheets);
  assert.deepEqual(fromScan, whole);
  assert.deepEqual(whole!.languageColumns.map((c) => [c.col, c.language, c.filled]), [[1, 'zh-CN', ROWS], [2, 'en', ROWS], [3, 'ja', ROWS - 1], [4, 'th', ROWS - HEAD_ROWS]]);
  assert.equal(whole!.lastUsedColumn, 5);
});

test('targets and tasks from a scan equal those from the held sheet, without --to and with a new column', async () => {
  const sheet = held(tableRows());
  for (const options of [{ overwrite: false }, { to: ['ja', 'vi'], overwrite: false }] as PrepareOptions[]) {
    const whole = prepareJob({ sheets: [sheet] }, config, options);
    const tasks = await plannedTasks(scanned(sheet), options);
    assert.deepEqual(tasks.map(view), whole.split.tasks.map(view));
    assert.ok(tasks.length > 0);
    if (!options.to) assert.deepEqual([...new Set(tasks.map((t) => t.targetLang))].sort(), ['ja', 'th'], 'EN is full: no target');
    else assert.equal(tasks.find((t) => t.targetLang === 'vi')?.colIdx, 6, 'the new column skips column 5, used past the head only');
  }
  // JA's one gap, past the head, makes it a target without --to.
  const jaTasks = (await plannedTasks(scanned(sheet), { overwrite: false })).filter((t) => t.targetLang === 'ja');
  assert.deepEqual(jaTasks.map((t) => t.rowIdx), [2_500]);
});

test('an xlsx scanned from its zip plans the tasks it plans read whole; a hyperlinked cell past the head is never translated', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'big.xlsx');
    const book = new ExcelJS.Workbook();
    const ws = book.addWorksheet('Strings');
    for (const row of tableRows().slice(0, 2_000)) ws.addRow(row.map((v) => (v === null || v === undefined ? null : v)));
    ws.getCell('B1501').value = { text: '商店链接', hyperlink: 'https://example.com/shop' };
    ws.getCell('B1601').note = 'shown on the shop button';
    await book.xlsx.writeFile(file);

    const whole = prepareJob(await readWorkbook(file, DEFAULT_READ_LIMITS), config, { to: ['pt-BR'], overwrite: false });
    const scan = await scanWorkbook(file, DEFAULT_READ_LIMITS);
    assert.equal(scan.sheets[0].rows.length, HEAD_ROWS);
    const tasks = await plannedTasks(scan, { to: ['pt-BR'], overwrite: false });
    assert.deepEqual(tasks.map(view), whole.split.tasks.map(view));
    assert.equal(tasks.length, 1_998, 'every data row but the hyperlinked one');
    assert.ok(!tasks.some((t) => t.rowIdx === 1_500));
    assert.match(tasks.find((t) => t.rowIdx === 1_600)!.sourceContext, /shown on the shop button/);
  });
});

test('a CSV scanned from its file plans the tasks it plans read whole', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'big.csv');
    const quote = (v: CellValue | undefined) => (typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : '');
    await writeFile(file, tableRows().map((row) => Array.from({ length: 6 }, (_, c) => quote(row[c])).join(',')).join('\r\n'));
    for (const options of [{ overwrite: false }, { to: ['ja', 'vi'], overwrite: false }] as PrepareOptions[]) {
      const whole = prepareJob(await readWorkbook(file, DEFAULT_READ_LIMITS), config, options);
      const scan = await scanWorkbook(file, DEFAULT_READ_LIMITS);
      assert.equal(scan.sheets[0].rows.length, HEAD_ROWS);
      const tasks = await plannedTasks(scan, options);
      assert.ok(tasks.length >= HEAD_ROWS, `${tasks.length} tasks`);
      assert.deepEqual(tasks.map(view), whole.split.tasks.map(view));
    }
  });
});
