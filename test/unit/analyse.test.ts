import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config-schema.ts';
import { FanyiError } from '../../src/errors.ts';
import { parseLanguageList } from '../../src/tasks/plan-targets.ts';
import { prepareJob } from '../../src/tasks/prepare-job.ts';
import { analyseSheet } from '../../src/workbook/language-columns.ts';
import { NON_TEXT, type CellValue, type SheetTable, type SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';

function sheet(name: string, rows: CellValue[][], comments: Record<string, string> = {}, index = 0): SheetTable {
  return { name, index, hidden: false, rows, comments: new Map(Object.entries(comments)), merges: [] };
}

function doc(...sheets: SheetTable[]): SpreadsheetDocument {
  return { format: 'xlsx', sheets, setText() {}, async save() {} };
}

const config = configSchema.parse({});

test('header row found under a merged title row; seed codes map to languages', () => {
  const layout = analyseSheet(
    sheet('UI', [
      ['Star Harbor UI strings', null, null, null],
      ['Key', 'CH', 'EN', 'PT', 'TH', 'VN', 'Note'],
      ['btn_start', '开始', 'Start', null, null, null, 'main menu'],
    ]),
  )!;
  assert.equal(layout.headerRow, 1);
  assert.deepEqual(layout.languageColumns.map((c) => [c.col, c.language]), [[1, 'zh-CN'], [2, 'en'], [3, 'pt'], [4, 'th'], [5, 'vi']]);
  assert.equal(layout.keyColumn, 0);
  assert.deepEqual(layout.noteColumns, [6]);
});

test('languages by content where the header says nothing', () => {
  const rows: CellValue[][] = [['id', 'text', 'name']];
  const thai = ['สวัสดี', 'เริ่มเกม', 'ออกจากเกม', 'ตั้งค่า'];
  thai.forEach((t, i) => rows.push([`k${i}`, t, ['开始游戏', '退出', '设置', '商店'][i]]));
  const layout = analyseSheet(sheet('S', rows))!;
  assert.deepEqual(layout.languageColumns.map((c) => [c.col, c.language, c.by]), [[1, 'th', 'content'], [2, 'zh-CN', 'content']]);
});

test('--to matches columns by language whatever the header says; missing ones get a new column', () => {
  const s = sheet('UI', [
    ['Key', '中文', 'Português', 'ไทย', 'Notes', null, 'Extra'],
    ['a', '你好', null, 'สวัสดี', 'greeting', null, 'x'],
    ['b', '再见', 'Tchau', null, null, null, null],
    ['c', '数量', NON_TEXT, null, null, null, null],
  ]);
  const prepared = prepareJob(doc(s), config, { to: ['pt-BR', 'th', 'vi'], overwrite: false });
  const [plan] = prepared.plans;
  assert.equal(plan.source.language, 'zh-CN');
  assert.deepEqual(plan.targets, [
    { language: 'pt-BR', col: 2, isNew: false },
    { language: 'th', col: 3, isNew: false },
    // Column 4 holds notes, 5 is empty: the first empty column after the last language column.
    { language: 'vi', col: 5, isNew: true },
  ]);
  const cells = prepared.split.tasks.map((t) => `${t.cellRef}:${t.targetLang}`).sort();
  // b's Portuguese is a human translation, c's Portuguese is a number: both left alone.
  assert.deepEqual(cells, ['C2:pt-BR', 'D3:th', 'D4:th', 'F2:vi', 'F3:vi', 'F4:vi'].sort());
  assert.equal(prepared.split.keptHuman, 2);
  assert.deepEqual(prepared.split.newHeaders, [{ sheetIndex: 0, row: 0, col: 5, text: 'vi' }]);
});

test('without --to, every language column with empty cells is a target; --overwrite includes filled ones', () => {
  const s = sheet('T', [
    ['key', 'EN', 'FR', 'DE'],
    ['a', 'Hello', 'Bonjour', 'Hallo'],
    ['b', 'Bye', null, 'Tschüss'],
  ]);
  const plain = prepareJob(doc(s), config, { overwrite: false });
  assert.deepEqual(plain.plans[0].targets.map((t) => t.language), ['fr']);
  assert.equal(plain.split.tasks.length, 1);
  const all = prepareJob(doc(s), config, { to: ['fr', 'de'], overwrite: true });
  assert.equal(all.split.tasks.length, 4);
});

test('formulas, numbers and letter-less cells are never tasks; the context carries key, comment, note and length', () => {
  const s = sheet(
    'UI',
    [
      ['Key', 'CH', 'PT', 'Description'],
      ['n', NON_TEXT, null, null],
      ['p', '123 %', null, null],
      ['k', '开始游戏', null, '主菜单按钮'],
    ],
    { '3:1': 'max 12 chars' },
  );
  const prepared = prepareJob(doc(s), config, { to: ['pt-BR'], overwrite: false });
  assert.equal(prepared.split.tasks.length, 1);
  const context = JSON.parse(prepared.split.tasks[0].sourceContext);
  assert.deepEqual(context, { sheet: 'UI', column: 'CH', key: 'k', comment: 'max 12 chars', notes: ['Description: 主菜单按钮'], maxLength: 12 });
});

test('identical texts in one job share one dedupe key; a different note makes them distinct', () => {
  const s = sheet('UI', [
    ['Key', 'CH', 'PT', 'Note'],
    ['a', '确定', null, null],
    ['b', '确定', null, null],
    ['c', '确定', null, 'confirm dialog title'],
  ]);
  const prepared = prepareJob(doc(s), config, { to: ['pt-BR'], overwrite: false });
  const keys = prepared.split.tasks.map((t) => t.dedupeKey);
  assert.equal(keys[0], keys[1]);
  assert.notEqual(keys[0], keys[2]);
  assert.equal(prepared.uniqueTexts, 2);
});

test('bad requests are clear errors: no source column, cell too long', () => {
  const numbers = sheet('N', [['foo', 'bar'], [NON_TEXT, NON_TEXT]]);
  assert.throws(() => prepareJob(doc(numbers), config, { to: ['vi'], overwrite: false }), (e: unknown) => e instanceof FanyiError && e.code === 'NO_SOURCE_COLUMN');
  const tight = configSchema.parse({ data_processing: { cell_processing: { max_cell_chars: 5 } } });
  const long = sheet('L', [['Key', 'EN', 'FR'], ['a', 'A sentence that is too long', null]]);
  assert.throws(() => prepareJob(doc(long), tight, { to: ['fr'], overwrite: false }), (e: unknown) => e instanceof FanyiError && e.code === 'CELL_TOO_LONG' && /L!B2/.test(e.message));
});

test('groups per sheet and content class, with priorities from config', () => {
  const ui = sheet('UI', [['Key', 'CH', 'PT'], ['btn_ok', '确定', null]]);
  const dialog = sheet('Dialog', [['ID', 'CH', 'PT'], ['dlg_1', '欢迎来到星港。我们等你很久了。', null]], {}, 1);
  const custom = configSchema.parse({ translation: { group_priority: { DIALOG: 1 } } });
  const prepared = prepareJob(doc(ui, dialog), custom, { to: ['pt-BR'], overwrite: false });
  const groups = prepared.split.tasks.map((t) => [t.groupId, t.priority]);
  assert.deepEqual(groups, [['GROUP_UI_UI', 3], ['GROUP_Dialog_DIALOG', 1]]);
  assert.equal(prepared.batches[0].groupId, 'GROUP_Dialog_DIALOG', 'the higher-priority group is batched (and claimed) first');
});

test('without --to, a target column with stray extra cells is still filled where it has gaps', () => {
  const s = sheet('T', [['key', 'EN', 'DE'], ['a', 'Hello', 'Hallo'], ['b', 'Good morning', null], ['c', null, 'Notiz']]);
  const prepared = prepareJob(doc(s), config, { overwrite: false });
  assert.deepEqual(prepared.split.tasks.map((t) => t.cellRef), ['C3']);
});

test('a long cell is an error only when it would be sent', () => {
  const tight = configSchema.parse({ data_processing: { cell_processing: { max_cell_chars: 10 } } });
  const s = sheet('L', [['Key', 'EN', 'DE'], ['a', 'A sentence that is too long', 'Schon übersetzt'], ['b', 'Short', null]]);
  const prepared = prepareJob(doc(s), tight, { to: ['de'], overwrite: false });
  assert.deepEqual(prepared.split.tasks.map((t) => t.cellRef), ['C3']);
});

test('the same word in two source languages is two texts', () => {
  const en = sheet('English', [['Key', 'EN', 'DE'], ['a', 'Chat', null]]);
  const fr = sheet('Francais', [['Key', 'FR', 'DE'], ['a', 'Chat', null]], {}, 1);
  const prepared = prepareJob(doc(en, fr), config, { to: ['de'], overwrite: false });
  assert.equal(prepared.uniqueTexts, 2);
});

test('--to lists are canonical and without repeats', () => {
  assert.deepEqual(parseLanguageList(['pt_br', 'th', 'pt-BR', 'VN'], '--to'), ['pt-BR', 'th', 'vi']);
});
