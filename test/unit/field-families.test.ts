import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FanyiError } from '../../src/errors.ts';
import { affixFor, headerInStyle, parseAffixedHeader } from '../../src/workbook/field-affixes.ts';
import { analyseSheet, analyseSheets, type SheetLayout } from '../../src/workbook/language-columns.ts';
import type { CellValue, SheetTable } from '../../src/workbook/sheet-model.ts';
import { readWorkbook } from '../../src/workbook/read-workbook.ts';
import { DEFAULT_READ_LIMITS } from '../../src/workbook/sheet-model.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';

function sheet(rows: CellValue[][], name = 'S', index = 0): SheetTable {
  return { name, index, hidden: false, rows, comments: new Map(), merges: [] };
}

/** `stem[header=lang,…]` per field, the way the tests read best. */
function fieldsOf(layout: SheetLayout | undefined): string[] {
  return (layout?.fields ?? []).map((f) => `${f.name}[${f.members.map((m) => `${m.header}=${m.language}`).join(',')}]`);
}

const JA = ['剣です', '魔法の杖', 'ココの本命の天賦だよ', '鏡像を再現する'];
const ZH = ['一把剑', '魔法杖', '可可的本命天赋哦', '复现出镜像'];
const EN = ['The sword of the king', 'A staff that is made of oak', 'It is your friend', 'Take the photo with you'];

test('Elin: name_JP | name | detail_JP | detail: two fields, the unsuffixed member in the sheet language', () => {
  const rows: CellValue[][] = [['id', 'name_JP', 'name', 'detail_JP', 'detail'], ['string', 'string', 'string', 'string', 'string']];
  JA.forEach((ja, i) => rows.push([`k${i}`, ja, ZH[i], JA[3 - i], ZH[3 - i]]));
  const layout = analyseSheet(sheet(rows));
  assert.deepEqual(fieldsOf(layout), ['name[name_JP=ja,name=zh-CN]', 'detail[detail_JP=ja,detail=zh-CN]']);
  assert.equal(layout?.firstDataRow, 2, 'the type row is not data');
  assert.equal(layout?.keyColumn, 0, 'name is a member, id stays the key');
});

test('unsuffixed members too short to read alone are read together, then from the workbook', () => {
  const one = sheet([['id', 'name_JP', 'name', 'aka_JP', 'aka'], ['c', 'ココ', '可可', '怪異姫', '怪异公主']], 'Chara', 0);
  const rows: CellValue[][] = [['id', 'text_JP', 'text']];
  JA.forEach((ja, i) => rows.push([`g${i}`, ja, ZH[i]]));
  const [chara, game] = analyseSheets([one, sheet(rows, 'Game', 1)]);
  assert.deepEqual(fieldsOf(chara), ['name[name_JP=ja,name=zh-CN]', 'aka[aka_JP=ja,aka=zh-CN]']);
  assert.deepEqual(fieldsOf(game), ['text[text_JP=ja,text=zh-CN]']);
  const alone = analyseSheet(one);
  assert.equal(alone?.fields?.[0].pendingDefault?.header, 'name', 'alone, the sheet cannot tell: left pending, not guessed');
});

test('Unity/Luban: Name_CN | Name_EN | Desc_CN | Desc_EN', () => {
  const layout = analyseSheet(sheet([['ID', 'Name_CN', 'Name_EN', 'Desc_CN', 'Desc_EN'], ['1', '剑', 'Sword', '一把剑', 'A sword']]));
  assert.deepEqual(fieldsOf(layout), ['Name[Name_CN=zh-CN,Name_EN=en]', 'Desc[Desc_CN=zh-CN,Desc_EN=en]']);
  assert.equal(layout?.fields?.[0].style?.codeCase, 'game');
});

test('web content: title-zh | title-en | body-zh | body-en (hyphen, lower-case codes)', () => {
  const layout = analyseSheet(sheet([['slug', 'title-zh', 'title-en', 'body-zh', 'body-en'], ['a', '标题', 'Title', '正文', 'Body']]));
  assert.deepEqual(fieldsOf(layout), ['title[title-zh=zh,title-en=en]', 'body[body-zh=zh,body-en=en]']);
  assert.equal(layout?.fields?.[0].style?.codeCase, 'lower');
});

test('bracket prefix: [zh] Title | [en] Title | [zh] Body | [en] Body', () => {
  const layout = analyseSheet(sheet([['key', '[zh] Title', '[en] Title', '[zh] Body', '[en] Body'], ['a', '标题', 'Title', '正文', 'Body']]));
  assert.deepEqual(fieldsOf(layout), ['Title[[zh] Title=zh,[en] Title=en]', 'Body[[zh] Body=zh,[en] Body=en]']);
});

test('parenthesised codes: Name (EN) | Name (FR) | Description (EN) | Description (FR)', () => {
  const layout = analyseSheet(sheet([['Key', 'Name (EN)', 'Name (FR)', 'Description (EN)', 'Description (FR)'], ['a', 'Sword', 'Épée', 'A sword', 'Une épée']]));
  assert.deepEqual(fieldsOf(layout), ['Name[Name (EN)=en,Name (FR)=fr]', 'Description[Description (EN)=en,Description (FR)=fr]']);
});

test('prefix codes: EN_desc | CN_desc is one field named desc', () => {
  const layout = analyseSheet(sheet([['id', 'EN_desc', 'CN_desc'], ['1', 'A sword', '一把剑']]));
  assert.deepEqual(fieldsOf(layout), ['desc[EN_desc=en,CN_desc=zh-CN]']);
  assert.equal(layout?.fields?.[0].style?.position, 'prefix');
});

test('traps: name_id, item_name, desc_en2, item_no are no members of name/desc', () => {
  for (const header of ['name_id', 'item_name', 'desc_en2', 'item_no', 'aka', 'LV']) assert.equal(parseAffixedHeader(header), undefined, header);
  const layout = analyseSheet(sheet([['name_id', 'item_name', 'name_JP', 'name_EN', 'desc_en2'], ['7', 'sword', '剣', 'Sword', 'x']]));
  assert.deepEqual(fieldsOf(layout), ['name[name_JP=ja,name_EN=en]']);
});

test('a classic string table is one bare field, as before', () => {
  const layout = analyseSheet(sheet([['Key', 'CH', 'EN', 'PT', 'Note'], ['btn', '开始', 'Start', null, 'menu']]));
  assert.deepEqual(fieldsOf(layout), ['[CH=zh-CN,EN=en,PT=pt]']);
  assert.deepEqual(layout?.noteColumns, [4]);
});

test('bare codes with regions are not stems: en_US | zh_cn | pt-BR', () => {
  const layout = analyseSheet(sheet([['id', 'en_US', 'zh_cn', 'pt-BR'], ['a', 'Start', '开始', 'Iniciar']]));
  assert.deepEqual(fieldsOf(layout), ['[en_US=en-US,zh_cn=zh-CN,pt-BR=pt-BR]']);
});

test('a lone affixed note header stays a note; beside a sibling it is a field', () => {
  const lone = analyseSheet(sheet([['key', 'EN', 'FR', 'desc-en'], ['a', 'Start', 'Démarrer', 'main menu button']]));
  assert.deepEqual(lone?.noteColumns, [3]);
  const pair = analyseSheet(sheet([['key', 'desc-en', 'desc-fr'], ['a', 'main menu button', 'bouton du menu']]));
  assert.deepEqual(fieldsOf(pair), ['desc[desc-en=en,desc-fr=fr]']);
});

test('id-list columns (comma-joined ids) and stray content columns are no fields', () => {
  const rows: CellValue[][] = [['id', 'filter', 'tag_EN', 'text_JP', 'text']];
  JA.forEach((ja, i) => rows.push([`k${i}`, i < 3 ? JA[i] : null, `class,hidden${i}`, ja, EN[i]]));
  const layout = analyseSheet(sheet(rows));
  assert.deepEqual(fieldsOf(layout), ['text[text_JP=ja,text=en]']);
});

test('two columns claiming one field in one language: a clear error', () => {
  const bad = () => analyseSheet(sheet([['id', 'name_JP', 'name_ja'], ['a', '剣', '剣']], 'Items'));
  assert.throws(bad, (error: unknown) => error instanceof FanyiError && error.code === 'BAD_LAYOUT' && /'name_JP' and 'name_ja' both claim to be 'name' in ja/.test(error.message));
});

test('stems that differ only by case: a clear error', () => {
  const bad = () => analyseSheet(sheet([['id', 'name_JP', 'Name_EN'], ['a', '剣', 'Sword']], 'Items'));
  assert.throws(bad, (error: unknown) => error instanceof FanyiError && error.code === 'BAD_LAYOUT' && /differ only by case/.test(error.message));
});

test('new member headers follow the family style', () => {
  assert.equal(headerInStyle('name', affixFor('pt-BR', 'game'), { position: 'suffix', separator: '_', codeCase: 'game' }), 'name_PT');
  assert.equal(affixFor('vi', 'game'), 'VN');
  assert.equal(affixFor('zh-TW', 'game'), 'TW');
  assert.equal(headerInStyle('title', affixFor('pt-BR', 'lower'), { position: 'suffix', separator: '-', codeCase: 'lower' }), 'title-pt-br');
  assert.equal(headerInStyle('desc', affixFor('th', 'game'), { position: 'prefix', separator: '_', codeCase: 'game' }), 'TH_desc');
  assert.equal(headerInStyle('Name', affixFor('pt-BR', 'upper'), { position: 'paren', separator: '', codeCase: 'upper' }), 'Name (PT-BR)');
  assert.equal(headerInStyle('Title', affixFor('de', 'lower'), { position: 'bracket', separator: '', codeCase: 'lower' }), '[de] Title');
});

test('a defaults row under the type row (no key, values for empty cells) is no data; a keyed row is', () => {
  const rows: CellValue[][] = [['id', 'name_JP', 'unit_JP', 'name', 'unit'], ['string', 'string', 'string', 'string', 'string'], [null, null, '個', null, '个']];
  JA.forEach((ja, i) => rows.push([`k${i}`, ja, i ? null : '本', ZH[i], null]));
  assert.equal(analyseSheet(sheet(rows))?.firstDataRow, 3, 'row 3 holds defaults');
  const keyed = rows.map((r, i) => (i === 2 ? ['k', ...r.slice(1)] : r));
  assert.equal(analyseSheet(sheet(keyed))?.firstDataRow, 2, 'a row with a key is content');
  const sparse = rows.map((r, i) => (i === 4 ? [null, ...r.slice(1)] : r));
  assert.equal(analyseSheet(sheet(sparse))?.firstDataRow, 2, 'keys missing below too: a keyless row is not told from content');
});

test('string[] in the type row marks a column of lists', () => {
  const rows: CellValue[][] = [['id', 'name_JP', 'strPhase_JP', 'strPhase'], ['string', 'string', 'string[]', 'List<string>']];
  JA.forEach((ja, i) => rows.push([`k${i}`, ja, `${ja},${JA[(i + 1) % 4]}`, `${ZH[i]},${ZH[(i + 1) % 4]}`]));
  assert.deepEqual(analyseSheet(sheet(rows))?.listColumns, [2, 3]);
});

test('a type row in the header position: a clear error, not a guess', () => {
  const bad = () => analyseSheet(sheet([['int', 'string', 'string', 'string[]'], ['1', '剣です', '一把剑', 'a,b'], ['2', '魔法の杖', '魔法杖', 'c']], 'Thing'));
  assert.throws(bad, (error: unknown) => error instanceof FanyiError && error.code === 'BAD_LAYOUT' && /'Thing': row 1 holds column types \(int, string, string, string\[\]\)/.test(error.message));
});

const ELIN = { skip: realDataSkip };

test('the three Elin workbooks: every _JP column is a field with its unsuffixed member', ELIN, async () => {
  const expected: Record<string, Record<string, string[]>> = {
    'SourceDonaCN.xlsx': {
      Chara: ['name[name_JP=ja,name=zh-CN]', 'aka[aka_JP=ja,aka=zh-CN]', 'detail[detail_JP=ja,detail=zh-CN]'],
      CharaText: ['calm', 'fov', 'aggro', 'dead', 'kill'].map((s) => `${s}[${s}_JP=ja,${s}=zh-CN]`),
      Game: ['text[text_JP=ja,text=zh-CN]'],
    },
    'cwl_sources.xlsx': { General: ['text[text_JP=ja,text=en]'] },
    'donakoko.xlsx': { donakoko: ['text[text_JP=ja,text_EN=en,text_ZHTW=zh-TW,text_CN=zh-CN,text=en]'] },
  };
  for (const [file, sheets] of Object.entries(expected)) {
    const doc = await readWorkbook(realDataPath(`elin-plugins/${file}`), DEFAULT_READ_LIMITS);
    const layouts = analyseSheets(doc.sheets);
    for (const [name, fields] of Object.entries(sheets)) assert.deepEqual(fieldsOf(layouts.find((l) => l?.sheetName === name)), fields, `${file} ${name}`);
    for (const layout of layouts.filter((l) => !!l)) {
      const jp = layout.languageColumns.filter((c) => c.header.endsWith('_JP')).length;
      assert.equal(layout.fields?.length, jp, `${file} ${layout.sheetName}: one field per _JP column`);
    }
  }
  const dona = analyseSheets((await readWorkbook(realDataPath('elin-plugins/SourceDonaCN.xlsx'), DEFAULT_READ_LIMITS)).sheets);
  assert.equal(dona.find((l) => l?.sheetName === 'Element')?.fields?.length, 10);
  const firstData = Object.fromEntries(dona.filter((l) => !!l).map((l) => [l.sheetName, l.firstDataRow]));
  assert.deepEqual(firstData, { Element: 3, Stat: 3, Thing: 3, Chara: 3, CharaText: 2, Race: 3, Game: 2, General: 2 }, 'the defaults row (row 3) is data nowhere');
  const stat = dona.find((l) => l?.sheetName === 'Stat');
  assert.ok(['strPhase_JP', 'strPhase'].every((h) => stat?.listColumns?.includes(stat.languageColumns.find((c) => c.header === h)!.col)), 'Stat.strPhase holds lists');
});
