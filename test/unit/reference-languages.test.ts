/**
 * Which of a row's other language cells go beside its text (`translation.reference_languages`),
 * and that what is not sent neither splits de-duplication nor counts in the estimate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSchema, type ConfigInput } from '../../src/config/config-schema.ts';
import { userPayload } from '../../src/llm/prompts/wire-payload.ts';
import { itemContextTokens, promptContext, type TaskContext } from '../../src/tasks/context.ts';
import { prepareJob } from '../../src/tasks/prepare-job.ts';
import type { CellValue, SheetTable, SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';

function doc(rows: CellValue[][]): SpreadsheetDocument {
  const sheet: SheetTable = { name: 'UI', index: 0, hidden: false, rows, comments: new Map(), numbers: new Map(), merges: [] };
  return { format: 'xlsx', sheets: [sheet], setText() {}, async save() {} };
}

function tasks(rows: CellValue[][], to: string[], translation: ConfigInput['translation'] = {}, overwrite = false) {
  return prepareJob(doc(rows), configSchema.parse({ translation }), { to, overwrite }).split.tasks;
}

const refsOf = (task: { sourceContext: string }) => (JSON.parse(task.sourceContext) as TaskContext).refs;

/** A Chinese-source table 7 languages wide; FR is the most complete column after EN, DE the least. */
const WIDE: CellValue[][] = [
  ['Key', 'CH', 'DE', 'EN', 'FR', 'JA', 'RU', 'ES'],
  ['a', '确定', 'OK', 'OK', 'OK', 'OK', 'ОК', 'Aceptar'],
  ['b', '取消', null, 'Cancel', 'Annuler', 'キャンセル', 'Отмена', 'Cancelar'],
  ['c', '返回', null, null, 'Retour', '戻る', 'Назад', null],
  ['d', '退出', null, 'Quit', 'Quitter', null, null, 'Salir'],
];

test('auto: English, then the column most complete over the sheet; at most two', () => {
  const [a, b, c, d] = tasks(WIDE, ['vi']);
  assert.deepEqual(refsOf(a), { en: 'OK', fr: 'OK' });
  assert.deepEqual(refsOf(b), { en: 'Cancel', fr: 'Annuler' });
  assert.deepEqual(refsOf(c), { fr: 'Retour', ja: '戻る' }, 'no English in the row: the next most complete columns fill in');
  assert.deepEqual(refsOf(d), { en: 'Quit', fr: 'Quitter' });
});

test('auto with an English source: the two most complete other columns, ties to the leftmost', () => {
  const rows: CellValue[][] = [['Key', 'EN', 'DE', 'FR', 'JA'], ['a', 'Start', 'Start', 'Démarrer', '開始'], ['b', 'Quit', null, 'Quitter', '終了']];
  const [a, b] = tasks(rows, ['vi']);
  assert.deepEqual(refsOf(a), { fr: 'Démarrer', ja: '開始' });
  assert.deepEqual(refsOf(b), { fr: 'Quitter', ja: '終了' });
});

test('an explicit list: its languages that are filled in the row, in list order, all of them', () => {
  const [a, , c] = tasks(WIDE, ['vi'], { reference_languages: ['ja', 'en', 'ko', 'ru'] });
  assert.deepEqual(Object.entries(refsOf(a) ?? {}), [['ja', 'OK'], ['en', 'OK'], ['ru', 'ОК']], 'ko has no column: skipped');
  assert.deepEqual(refsOf(c), { ja: '戻る', ru: 'Назад' }, 'en is empty in the row');
});

test('[] sends no reference', () => {
  const sent = tasks(WIDE, ['vi'], { reference_languages: [] });
  assert.deepEqual(sent.map(refsOf), [undefined, undefined, undefined, undefined]);
  const items = sent.map((t, i) => ({ id: String(i + 1), text: t.sourceText, context: promptContext(t.sourceContext, 'vi', t.sourceText) }));
  assert.doesNotMatch(JSON.stringify(userPayload(items)), /ref/);
});

test('the target language is never a reference: with --overwrite its old text is skipped and the next column takes the place', () => {
  const auto = tasks(WIDE, ['fr'], {}, true);
  assert.deepEqual(refsOf(auto[0]), { en: 'OK', ja: 'OK' });
  const listed = tasks(WIDE, ['en'], { reference_languages: ['en', 'ja'] }, true);
  assert.deepEqual(refsOf(listed[0]), { ja: 'OK' });
  const regional = tasks([['Key', 'EN', 'PT', 'FR', 'DE'], ['a', 'Save', 'Guardar', 'Enregistrer', 'Speichern']], ['pt-BR'], {}, true);
  assert.deepEqual(refsOf(regional[0]), { fr: 'Enregistrer', de: 'Speichern' }, 'a pt column serves pt-BR: it is the target');
});

test('the source is never a reference, even when listed or present twice', () => {
  const rows: CellValue[][] = [['Key', 'CH', 'zh-Hans', 'EN'], ['a', '确定', '确定', 'OK']];
  assert.deepEqual(refsOf(tasks(rows, ['vi'], { reference_languages: ['zh-CN', 'en'] })[0]), { en: 'OK' });
  assert.deepEqual(refsOf(tasks(rows, ['vi'])[0]), { en: 'OK' });
});

test('dedupe: a language not sent does not split a text; a sent pivot reference does', () => {
  const rows: CellValue[][] = [
    ['Key', 'CH', 'EN', 'FR', 'DE', 'RU'],
    ['a', '确定', 'OK', 'OK', 'OK', 'ОК'],
    ['b', '确定', 'OK', 'OK', 'Bestätigen', 'Подтвердить'],
    ['c', '确定', 'Confirm', 'OK', 'OK', 'ОК'],
  ];
  const [a, b, c] = tasks(rows, ['vi']);
  assert.equal(a.dedupeKey, b.dedupeKey, 'DE and RU are not sent: one text');
  assert.notEqual(a.dedupeKey, c.dedupeKey, 'EN is sent and tells OK from Confirm: two texts');
});

test('the estimate counts the references that are sent, not the width of the row', () => {
  const narrow = tasks([['Key', 'CH', 'EN', 'FR'], ['a', '确定', 'OK', 'OK']], ['vi'])[0];
  const wide = tasks(WIDE, ['vi'])[0];
  assert.equal(wide.contextTokens, narrow.contextTokens);
});

test('a config language code is made canonical; an unknown one is an error naming it', () => {
  assert.deepEqual(configSchema.parse({ translation: { reference_languages: ['EN', 'JP', 'pt_br'] } }).translation.reference_languages, ['en', 'ja', 'pt-BR']);
  assert.equal(configSchema.parse({}).translation.reference_languages, 'auto');
  const issue = (value: unknown) => configSchema.safeParse({ translation: { reference_languages: value } }).error?.issues[0];
  assert.deepEqual(issue(['en', 'klingon-x'])?.path, ['translation', 'reference_languages', 1]);
  assert.match(issue(['en', 'klingon-x'])?.message ?? '', /unknown language code "klingon-x"/);
  assert.match(issue('all')?.message ?? '', /expected auto or a list of language codes/);
});

test('a key that only restates its text is not sent, nor counted', () => {
  const stored: TaskContext = { sheet: 'UI', column: 'EN', key: 'ChannelLayout' };
  assert.equal(promptContext(stored, 'vi', 'Channel layout')?.key, undefined);
  assert.equal(promptContext(stored, 'vi', 'Speaker layout')?.key, 'ChannelLayout');
  assert.equal(itemContextTokens(stored, 'Channel layout'), 0);
  assert.ok(itemContextTokens(stored, 'Speaker layout') > 0);
});

test('references in the batch’s common language order go as lists, their languages once', () => {
  const payload = userPayload([
    { id: '1', text: '确定', context: { refs: { en: 'OK', fr: 'OK' } } },
    { id: '2', text: '取消', context: { refs: { en: 'Cancel', fr: 'Annuler' } } },
    { id: '3', text: '返回', context: { refs: { fr: 'Retour', ja: '戻る' } } },
    { id: '4', text: '退出' },
  ]);
  assert.deepEqual(payload, {
    context: { ref_langs: ['en', 'fr'] },
    items: { 1: { text: '确定', ref: ['OK', 'OK'] }, 2: { text: '取消', ref: ['Cancel', 'Annuler'] }, 3: { text: '返回', ref: { fr: 'Retour', ja: '戻る' } }, 4: '退出' },
  });
});

test('note columns: at most three per item, a length hint counts from any of them', () => {
  const rows: CellValue[][] = [['Key', 'CH', 'Note', 'Comment', 'Context', 'Description'], ['a', '开始', 'n1', 'n2', 'n3', 'max 8 chars']];
  const context = JSON.parse(tasks(rows, ['vi'])[0].sourceContext) as TaskContext;
  assert.deepEqual(context.notes, ['Note: n1', 'Comment: n2', 'Context: n3']);
  assert.equal(context.maxLength, 8);
});
