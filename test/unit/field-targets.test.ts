import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config-schema.ts';
import { checkTable } from '../../src/qa/check-table.ts';
import { promptContext } from '../../src/tasks/context.ts';
import { prepareJob } from '../../src/tasks/prepare-job.ts';
import { heldScan, type CellValue, type SheetTable, type SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';

const config = configSchema.parse({});

function doc(rows: CellValue[][]): SpreadsheetDocument {
  const sheet: SheetTable = { name: 'Items', index: 0, hidden: false, rows, comments: new Map(), merges: [] };
  return { format: 'xlsx', sheets: [sheet], setText() {}, async save() {} };
}

/** An Elin-like item sheet: id, type row, two fields with their unsuffixed (Chinese) member, a data column between. */
function elinLike(): SpreadsheetDocument {
  return doc([
    ['id', 'name_JP', 'name', 'value', 'detail_JP', 'detail', 'tag'],
    ['string', 'string', 'string', 'int', 'string', 'string', 'string[]'],
    ['sword', '剣です', '一把剑', null, 'よく切れる剣', '锋利的剑', 'weapon,melee'],
    ['staff', '魔法の杖', '魔法杖', null, '古い杖です', '古老的法杖', 'weapon,magic'],
    ['ring', '指輪です', '戒指', null, 'きれいな指輪', '漂亮的戒指', 'ring'],
  ]);
}

const summary = (prepared: ReturnType<typeof prepareJob>) =>
  prepared.plans.map((p) => `${p.field?.name}:${p.source.header}→${p.targets.map((t) => `${t.language}@${t.col}${t.header ? `(${t.header})` : ''}`).join(',')}`);

test('each field gets its own source and targets; new columns after the last used one, field then language', () => {
  const prepared = prepareJob(elinLike(), config, { to: ['en', 'pt-BR'], overwrite: false });
  assert.deepEqual(summary(prepared), ['name:name_JP→en@7(name_EN),pt-BR@8(name_PT)', 'detail:detail_JP→en@9(detail_EN),pt-BR@10(detail_PT)']);
  assert.deepEqual(prepared.split.newHeaders.map((h) => h.text), ['name_EN', 'name_PT', 'detail_EN', 'detail_PT']);
  assert.equal(prepared.split.tasks.length, 12, '3 rows × 2 fields × 2 languages; the type row and the id lists are not tasks');
  assert.ok(prepared.split.tasks.every((t) => t.rowIdx >= 2 && [1, 4].includes(sourceColOf(t.sourceContext))));
});

const sourceColOf = (context: string): number => ({ name_JP: 1, detail_JP: 4 })[JSON.parse(context).column as string] ?? -1;

test('--from picks each field\'s member in that language; a requested language a field has is filled in place', () => {
  const prepared = prepareJob(elinLike(), config, { to: ['ja', 'th'], from: 'zh-CN', overwrite: true });
  assert.deepEqual(summary(prepared), ['name:name→ja@1,th@7(name_TH)', 'detail:detail→ja@4,th@8(detail_TH)']);
});

test('--column-name overrides the family style', () => {
  const prepared = prepareJob(elinLike(), config, { to: ['pt-BR'], columnName: '{field}.{code}', overwrite: false });
  assert.deepEqual(prepared.split.newHeaders.map((h) => h.text), ['name.pt-BR', 'detail.pt-BR']);
});

test('BCP-47 families keep their case; two Portuguese targets do not share a header', () => {
  const prepared = prepareJob(doc([['slug', 'title-en', 'title-fr'], ['a', 'The sword of the king', "L'épée du roi"]]), config, { to: ['pt-BR', 'pt-PT'], overwrite: false });
  assert.deepEqual(prepared.split.newHeaders.map((h) => h.text), ['title-pt-br', 'title-pt-pt']);
  const game = prepareJob(doc([['id', 'Name_EN', 'Name_CN'], ['a', 'Sword', '剑']]), config, { to: ['pt-BR', 'pt-PT'], overwrite: false });
  assert.deepEqual(game.split.newHeaders.map((h) => h.text), ['Name_PT', 'Name_PTPT']);
});

test('the row\'s other fields go with each text, in the source language, capped; they split the dedupe key', () => {
  const long = 'とても'.repeat(100);
  const prepared = prepareJob(doc([
    ['id', 'name_JP', 'name', 'detail_JP', 'detail', 'textA_JP', 'textB_JP', 'textC_JP'],
    ['a', '剣', '剑', long, '很长', 'あ', 'い', 'う'],
    ['b', '杖', '杖', long, '很长', 'あ', 'い', 'う'],
  ]), config, { to: ['en'], overwrite: false });
  const detail = prepared.split.tasks.filter((t) => t.field === 'detail');
  const context = JSON.parse(detail[0].sourceContext);
  assert.equal(context.field, 'detail');
  assert.deepEqual(Object.keys(context.fields), ['name', 'textA', 'textB'], 'at most three other fields');
  assert.equal(context.fields.name, '剣', 'the source-language member, not the Chinese one');
  const name = JSON.parse(prepared.split.tasks.find((t) => t.field === 'name')!.sourceContext);
  assert.equal(name.fields.detail.length, 201, 'a long field is cut to 200 characters and an ellipsis');
  assert.notEqual(detail[0].dedupeKey, detail[1].dedupeKey, 'the same detail of a sword and of a staff is translated twice');
  const sent = promptContext(detail[0].sourceContext, 'en', detail[0].sourceText);
  assert.ok(sent?.notes?.includes('name: 剣'), 'the model sees what the detail describes');
});

test('a string[] cell holding several texts is left untranslated and counted; a one-item cell is translated', () => {
  const prepared = prepareJob(doc([
    ['id', 'name_JP', 'strPhase_JP'],
    ['string', 'string', 'string[]'],
    ['sword', '剣です', '軽傷,重傷,致命傷'],
    ['staff', '魔法の杖', '過去の鏡像'],
  ]), config, { to: ['en'], overwrite: false });
  assert.deepEqual(prepared.split.tasks.map((t) => t.sourceText), ['剣です', '魔法の杖', '過去の鏡像']);
  assert.equal(prepared.split.listCellsSkipped, 1);
});

test('a length column named after a field limits that field only; an unnamed one the rest', async () => {
  const rows: CellValue[][] = [
    ['id', 'name_JP', 'name_EN', 'name_max_len', 'detail_JP', 'detail_EN', 'max_len', 'textPhase_maxlen', 'textPhase_JP'],
    ['sword', '剣です', 'Long sword name', '5', 'よく切れる剣', 'A sharp sword', '40', '12', '鏡像を再現する'],
  ];
  const prepared = prepareJob(doc(rows), config, { to: ['pt-BR'], overwrite: false });
  const limits = Object.fromEntries(prepared.split.tasks.map((t) => [t.field, JSON.parse(t.sourceContext).maxLength]));
  assert.deepEqual(limits, { name: 5, detail: 40, textPhase: 12 }, 'textPhase_maxlen is textPhase\'s, not the sheet-wide limit');
  const report = await checkTable(heldScan(doc(rows)));
  const tooLong = report.findings.filter((f) => f.flags.some((flag) => flag.code === 'too_long')).map((f) => f.target);
  assert.deepEqual(tooLong, ['Long sword name'], 'only the name is over its limit; the detail is checked against max_len');
});

test('fanyi check pairs each field with its own source (Desc_EN with Desc_CN, never with Name_CN)', async () => {
  const report = await checkTable(heldScan(doc([['ID', 'Name_CN', 'Name_EN', 'Desc_CN', 'Desc_EN'], ['1', '剑', 'Sword', '一把锋利的剑', 'A sharp sword']])));
  assert.deepEqual(report.pairs.map((p) => `${p.source}→${p.target}`), ['Name_CN→Name_EN', 'Desc_CN→Desc_EN']);
});
