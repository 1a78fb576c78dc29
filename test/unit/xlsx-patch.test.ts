import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { isFanyiError, type ErrorCode } from '../../src/errors.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits } from '../../src/workbook/sheet-model.ts';
import { inspectSpreadsheetFile } from '../../src/workbook/xlsx/inspect-xlsx.ts';
import { patchXlsx, type CellEdit } from '../../src/workbook/xlsx/patch-xlsx.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';




async function zipEntries(file: string): Promise<Map<string, Buffer>> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const entries = new Map<string, Buffer>();
  for (const name of Object.keys(zip.files)) entries.set(name, await zip.files[name].async('nodebuffer'));
  return entries;
}

async function expectFanyiError(promise: Promise<unknown>, code: ErrorCode, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isFanyiError(error), `expected FanyiError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'messages are one line');
    return true;
  });
}

const key = (sheet: string, row: number, col: number) => `${sheet}!${row}:${col}`;

// ---- synthetic workbook ---------------------------------------------------------------------

const FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } } as const;
const BORDER = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } } as const;
const SPECIAL_SHEET = 'Q&A <"beta">';

/** Several sheets with everything a translator's workbook tends to carry. */
async function buildFixture(file: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const strings = workbook.addWorksheet('Strings');
  strings.columns = [{ width: 18 }, { width: 40 }, { width: 40 }, { width: 30 }, { width: 10 }];
  strings.mergeCells('A1:D1');
  Object.assign(strings.getCell('A1'), { value: 'Game strings', font: { bold: true, size: 14 }, fill: FILL });
  strings.getRow(2).values = ['key', 'en', 'zh-CN', 'th', 'len'];
  strings.getRow(2).font = { bold: true, color: { argb: 'FF1F4E78' } };
  const sources = ['Start game', 'Options', 'Quit', 'Save & exit', 'Level %1 complete'];
  sources.forEach((source, i) => {
    const row = 3 + i;
    strings.getCell(row, 1).value = `menu.${i}`;
    strings.getCell(row, 2).value = source;
    // Styled but empty target cells: exceljs writes <c r="C3" s="N"/>.
    Object.assign(strings.getCell(row, 3), { fill: FILL, border: BORDER, alignment: { wrapText: true, vertical: 'top' } });
    strings.getCell(row, 5).value = { formula: `LEN(B${row})`, result: source.length };
  });
  strings.getCell('D3').value = 'เริ่มเกม';
  strings.getCell('E9').value = 42;
  strings.getCell('E9').numFmt = '0.00';
  strings.getCell('B3').note = 'Shown on the title screen';
  for (let row = 3; row <= 7; row++) {
    strings.getCell(row, 4).dataValidation = { type: 'textLength', operator: 'lessThan', formulae: [40], allowBlank: true };
  }
  strings.getCell('A12').value = 'sparse.row';
  strings.getCell('B12').value = 'Only row 12';
  strings.getCell('B20').value = 'Row 20';
  strings.getColumn(7).font = { italic: true };

  const hidden = workbook.addWorksheet('Hidden', { state: 'hidden' });
  hidden.getCell('A1').value = 'internal';
  hidden.getCell('B2').value = true;

  workbook.addWorksheet('Empty');
  const special = workbook.addWorksheet(SPECIAL_SHEET);
  special.getCell('A1').value = 'k';
  special.getCell('B1').value = 'v';
  await workbook.xlsx.writeFile(file);
}

const TEXTS = {
  markup: 'Tom & Jerry <b>"quoted"</b> > 1',
  spaces: '  padded both sides  ',
  newline: 'line one\nline two',
  emoji: 'Save 💾 and go 🚀',
  cjk: '开始游戏，然后保存',
  thai: 'สวัสดีชาวโลก',
};

const FIXTURE_EDITS: CellEdit[] = [
  { sheetName: 'Strings', row: 2, col: 2, text: TEXTS.markup }, // styled empty C3
  { sheetName: 'Strings', row: 3, col: 2, text: TEXTS.spaces }, // styled empty C4
  { sheetName: 'Strings', row: 4, col: 2, text: TEXTS.newline }, // styled empty C5
  { sheetName: 'Strings', row: 5, col: 2, text: TEXTS.emoji },
  { sheetName: 'Strings', row: 6, col: 2, text: TEXTS.cjk },
  { sheetName: 'Strings', row: 2, col: 3, text: TEXTS.thai }, // D3 replaces a shared string
  { sheetName: 'Strings', row: 3, col: 7, text: 'beyond the used columns' }, // H4
  { sheetName: 'Strings', row: 9, col: 2, text: 'row 10 did not exist' },
  { sheetName: 'Strings', row: 14, col: 1, text: 'between sparse rows' }, // B15
  { sheetName: 'Strings', row: 39, col: 9, text: 'far below and right' }, // J40
  { sheetName: 'Strings', row: 11, col: 6, text: 'in an italic column' }, // G12
  { sheetName: 'Strings', row: 11, col: 0, text: 'overwritten first' },
  { sheetName: 'Strings', row: 11, col: 0, text: 'last edit wins' }, // A12
  { sheetName: 'Empty', row: 1, col: 1, text: 'first cell of an empty sheet' },
  { sheetName: SPECIAL_SHEET, row: 0, col: 2, text: 'escaped sheet name' },
];

function expectedTexts(edits: CellEdit[]): Map<string, string> {
  return new Map(edits.map((edit) => [key(edit.sheetName, edit.row + 1, edit.col + 1), edit.text]));
}

/** Every cell address exceljs holds in a sheet, as `sheet!row:col` (1-based). */
function cellKeys(sheet: ExcelJS.Worksheet): Set<string> {
  const keys = new Set<string>();
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    row.eachCell({ includeEmpty: true }, (_cell, colNumber) => keys.add(key(sheet.name, rowNumber, colNumber)));
  });
  return keys;
}

function styleOf(cell: ExcelJS.Cell) {
  const { font, fill, numFmt, alignment, border } = cell.style;
  return JSON.parse(JSON.stringify({ font, fill, numFmt, alignment, border }));
}

function assertSheetsMatch(before: ExcelJS.Workbook, after: ExcelJS.Workbook, expected: Map<string, string>): void {
  assert.deepEqual(after.worksheets.map((s) => [s.name, s.state]), before.worksheets.map((s) => [s.name, s.state]));
  for (const original of before.worksheets) {
    const patched = after.getWorksheet(original.name)!;
    assert.deepEqual(patched.model.merges, original.model.merges, `merges of ${original.name}`);
    for (const address of new Set([...cellKeys(original), ...cellKeys(patched)])) {
      const [row, col] = address.slice(address.lastIndexOf('!') + 1).split(':').map(Number);
      const [was, now] = [original.getCell(row, col), patched.getCell(row, col)];
      if (expected.has(address)) continue;
      assert.deepEqual(now.value, was.value, `value of ${address}`);
      assert.deepEqual(styleOf(now), styleOf(was), `style of ${address}`);
      assert.equal(now.note, was.note, `note of ${address}`);
      assert.deepEqual(now.dataValidation, was.dataValidation, `validation of ${address}`);
    }
  }
}

test('patchXlsx sets the target cells and leaves everything else as it was', async () => {
  await withTempDir(async (dir) => {
    const input = path.join(dir, 'in.xlsx');
    const output = path.join(dir, 'out.xlsx');
    await buildFixture(input);
    await patchXlsx(input, output, FIXTURE_EDITS);

    const [before, after] = [await readWorkbook(input), await readWorkbook(output)];
    const expected = expectedTexts(FIXTURE_EDITS);
    for (const [address, text] of expected) {
      const [sheet, cell] = [address.slice(0, address.lastIndexOf('!')), address.slice(address.lastIndexOf('!') + 1)];
      const [row, col] = cell.split(':').map(Number);
      assert.equal(after.getWorksheet(sheet)!.getCell(row, col).value, text, address);
    }
    assertSheetsMatch(before, after, expected);

    const [was, now] = [before.getWorksheet('Strings')!, after.getWorksheet('Strings')!];
    for (const address of ['C3', 'C4', 'C5', 'D3']) assert.deepEqual(styleOf(now.getCell(address)), styleOf(was.getCell(address)), `kept style of ${address}`);
    assert.equal(now.getCell('G12').font?.italic, true, 'a new cell takes its column style');
    assert.deepEqual(now.columns.map((c) => c.width), was.columns.map((c) => c.width));
    for (let row = 3; row <= 7; row++) assert.deepEqual(now.getCell(row, 4).dataValidation, was.getCell(row, 4).dataValidation, `validation of D${row}`);
    assert.equal(now.getCell('D3').dataValidation.type, 'textLength');
    assert.deepEqual(now.getCell('E3').value, { formula: 'LEN(B3)', result: 10 });
    assert.equal(now.dimensions.range, 'A1:J40');
  });
});

test('patchXlsx rewrites only the edited sheet parts', async () => {
  await withTempDir(async (dir) => {
    const input = path.join(dir, 'in.xlsx');
    const output = path.join(dir, 'out.xlsx');
    await buildFixture(input);
    const edits = FIXTURE_EDITS.filter((edit) => edit.sheetName === 'Strings');
    await patchXlsx(input, output, edits);

    const [before, after] = [await zipEntries(input), await zipEntries(output)];
    assert.deepEqual([...after.keys()], [...before.keys()], 'same entries in the same order');
    for (const [name, content] of before) {
      if (name === 'xl/worksheets/sheet1.xml') continue;
      assert.ok(after.get(name)!.equals(content), `${name} is byte-identical`);
    }
    const sheetXml = after.get('xl/worksheets/sheet1.xml')!.toString('utf8');
    assert.match(sheetXml, /<dimension ref="A1:J40"\/>/);
    assert.match(sheetXml, /<c r="C3" s="\d+" t="inlineStr"><is><t>Tom &amp; Jerry &lt;b&gt;&quot;quoted&quot;&lt;\/b&gt; &gt; 1<\/t><\/is><\/c>/);
    assert.match(sheetXml, /<t xml:space="preserve">  padded both sides  <\/t>/);
    assert.match(sheetXml, /<row r="40"><c r="J40" t="inlineStr">/);
    assert.ok(!(await readdir(dir)).some((name) => name.includes('.tmp-')), 'no temporary file left behind');
  });
});

test('patchXlsx can write over its input, and with no edits copies the zip unchanged', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'book.xlsx');
    await buildFixture(file);
    const original = await readFile(file);
    await patchXlsx(file, file, []);
    assert.ok((await readFile(file)).equals(original), 'no edits: byte-identical file');
    await patchXlsx(file, file, [{ sheetName: 'Hidden', row: 0, col: 0, text: 'replaced in place' }]);
    assert.equal((await readWorkbook(file)).getWorksheet('Hidden')!.getCell('A1').value, 'replaced in place');
  });
});

test('patchXlsx rejects unknown sheets, bad addresses, formula cells and damaged parts', async () => {
  await withTempDir(async (dir) => {
    const input = path.join(dir, 'in.xlsx');
    await buildFixture(input);
    const output = path.join(dir, 'out.xlsx');
    await assert.rejects(patchXlsx(input, output, [{ sheetName: 'Nope', row: 0, col: 0, text: 'x' }]), /no sheet named "Nope"/);
    await assert.rejects(patchXlsx(input, output, [{ sheetName: 'Strings', row: -1, col: 0, text: 'x' }]), RangeError);
    await assert.rejects(patchXlsx(input, output, [{ sheetName: 'Strings', row: 2, col: 4, text: 'x' }]), /holds a formula/);
    assert.equal(existsSync(output), false);

    const damaged = await readFile(input);
    const sheetData = damaged.indexOf('xl/worksheets/sheet1.xml') + 'xl/worksheets/sheet1.xml'.length;
    for (let at = sheetData + 40; at < sheetData + 60; at++) damaged[at] ^= 0x5a;
    await writeFile(input, damaged);
    await expectFanyiError(patchXlsx(input, output, [{ sheetName: 'Strings', row: 2, col: 2, text: 'x' }]), 'CORRUPT_FILE', /in\.xlsx is a damaged xlsx \(xl\/worksheets\/sheet1\.xml fails to unpack\)/);
  });
});

// ---- hand-written sheet XML (shapes exceljs never writes) -------------------------------------

/** A minimal valid xlsx around one hand-written worksheet. */
async function writeMinimalXlsx(file: string, sheetXml: string, sheetTarget = 'worksheets/sheet1.xml'): Promise<void> {
  const zip = new JSZip();
  zip.file('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>');
  zip.file('_rels/.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>');
  zip.file('xl/workbook.xml', '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S &amp; T" sheetId="1" r:id="rId1"/></sheets></workbook>');
  zip.file('xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Target="${sheetTarget}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Id="rId1"/></Relationships>`);
  zip.file('xl/worksheets/sheet1.xml', sheetXml);
  await writeFile(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

/** `exceljsReadable`: exceljs cannot read cells without r or prefixed elements, though Excel can. */
async function patchSheet(dir: string, sheetXml: string, edits: Array<[number, number, string]>, options: { target?: string; exceljsReadable?: boolean } = {}): Promise<string> {
  const input = path.join(dir, 'hand.xlsx');
  await writeMinimalXlsx(input, sheetXml, options.target);
  await patchXlsx(input, input, edits.map(([row, col, text]) => ({ sheetName: 'S & T', row, col, text })));
  if (options.exceljsReadable ?? true) await readWorkbook(input);
  return (await zipEntries(input)).get('xl/worksheets/sheet1.xml')!.toString('utf8');
}

test('patchXlsx handles an empty <sheetData/>, absolute targets and rows or cells without r', async () => {
  await withTempDir(async (dir) => {
    const empty = await patchSheet(dir, `<worksheet ${NS}><dimension ref="A1"/><sheetData/></worksheet>`, [[2, 1, 'b3'], [0, 0, 'a1']], { target: '/xl/worksheets/sheet1.xml' });
    assert.equal(empty, `<worksheet ${NS}><dimension ref="A1:B3"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a1</t></is></c></row><row r="3"><c r="B3" t="inlineStr"><is><t>b3</t></is></c></row></sheetData></worksheet>`);

    const implicit = await patchSheet(dir, `<worksheet ${NS}><sheetData><row r="2" spans="1:2"><c s="3"><v>1</v></c><c t="s" s="4"><v>0</v></c></row></sheetData></worksheet>`, [[1, 1, 'second'], [1, 3, 'fourth']], { exceljsReadable: false });
    assert.equal(implicit, `<worksheet ${NS}><sheetData><row r="2" spans="1:4"><c s="3"><v>1</v></c><c s="4" t="inlineStr"><is><t>second</t></is></c><c r="D2" t="inlineStr"><is><t>fourth</t></is></c></row></sheetData></worksheet>`);

    const unclosed = path.join(dir, 'unclosed.xlsx');
    await writeMinimalXlsx(unclosed, `<worksheet ${NS}><sheetData><row r="1"><c r="A1"><v>1</v></c></sheetData></worksheet>`);
    await expectFanyiError(patchXlsx(unclosed, unclosed, [{ sheetName: 'S & T', row: 0, col: 1, text: 'x' }]), 'CORRUPT_FILE', /unclosed\.xlsx is a damaged xlsx \(xl\/worksheets\/sheet1\.xml has an unclosed <row r="1">/);

    const noRowNumbers = await patchSheet(dir, `<worksheet ${NS}><sheetData><row><c><v>1</v></c></row><row><c><v>2</v></c></row></sheetData></worksheet>`, [[1, 1, 'B2'], [3, 0, 'A4']], { exceljsReadable: false });
    assert.equal(noRowNumbers, `<worksheet ${NS}><sheetData><row><c><v>1</v></c></row><row><c><v>2</v></c><c r="B2" t="inlineStr"><is><t>B2</t></is></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>A4</t></is></c></row></sheetData></worksheet>`);
  });
});

test('patchXlsx keeps the x: prefix, row extLst order and custom row styles', async () => {
  await withTempDir(async (dir) => {
    const NSX = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const xml = await patchSheet(dir, `<x:worksheet ${NSX}><x:sheetData><x:row r="1" s="5" customFormat="1"><x:c r="B1"><x:v>2</x:v></x:c><x:extLst><x:ext uri="{0}"/></x:extLst></x:row></x:sheetData></x:worksheet>`, [[0, 0, 'A'], [0, 2, 'C']], { exceljsReadable: false });
    assert.equal(xml, `<x:worksheet ${NSX}><x:sheetData><x:row r="1" s="5" customFormat="1"><x:c r="A1" s="5" t="inlineStr"><x:is><x:t>A</x:t></x:is></x:c><x:c r="B1"><x:v>2</x:v></x:c><x:c r="C1" s="5" t="inlineStr"><x:is><x:t>C</x:t></x:is></x:c><x:extLst><x:ext uri="{0}"/></x:extLst></x:row></x:sheetData></x:worksheet>`);
  });
});

test('patchXlsx escapes text for XML and for Excel', async () => {
  await withTempDir(async (dir) => {
    const xml = await patchSheet(dir, `<worksheet ${NS}><sheetData/></worksheet>`, [[0, 0, 'bell\u0007 nul\u0000 lone\uD800 ok😀 cr\r\nlf _x000D_ kept_x']]);
    assert.match(xml, /<t xml:space="preserve">bell nul lone ok😀 cr&#13;\nlf _x005F_x000D_ kept_x<\/t>/);
  });
});

// ---- real workbooks -------------------------------------------------------------------------

async function realFiles(extension: string): Promise<string[]> {
  const folders = await readdir(realDataPath(), { withFileTypes: true });
  const files: string[] = [];
  for (const folder of folders.filter((entry) => entry.isDirectory())) {
    for (const name of await readdir(realDataPath(folder.name))) {
      if (name.toLowerCase().endsWith(extension)) files.push(realDataPath(path.join(folder.name, name)));
    }
  }
  return files.sort();
}

function cellValues(workbook: ExcelJS.Workbook): Map<string, string> {
  const values = new Map<string, string>();
  for (const sheet of workbook.worksheets) {
    sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      row.eachCell({ includeEmpty: false }, (cell, colNumber) => values.set(key(sheet.name, rowNumber, colNumber), JSON.stringify(cell.value)));
    });
  }
  return values;
}

test('patchXlsx adds a column to every real workbook without disturbing it', { skip: realDataSkip }, async () => {
  await withTempDir(async (dir) => {
    const files = await realFiles('.xlsx');
    assert.ok(files.length >= 7, `found ${files.length} real xlsx files`);
    for (const file of files) {
      const before = await readWorkbook(file);
      const sheet = before.worksheets[0];
      const col = sheet.columnCount; // 0-based index of the first column after the used range
      const edits = [0, 1, 2, sheet.rowCount + 2].map((row) => ({ sheetName: sheet.name, row, col, text: `译文 ${row} & <ok>` }));
      const output = path.join(dir, `${path.basename(path.dirname(file))}-${path.basename(file)}`);
      await patchXlsx(file, output, edits);

      const after = await readWorkbook(output);
      const expected = expectedTexts(edits);
      const [valuesBefore, valuesAfter] = [cellValues(before), cellValues(after)];
      for (const [address, value] of valuesBefore) assert.equal(valuesAfter.get(address), value, `${path.basename(file)} ${address}`);
      for (const [address, text] of expected) assert.equal(valuesAfter.get(address), JSON.stringify(text), `${path.basename(file)} new ${address}`);
      assert.equal(valuesAfter.size, valuesBefore.size + expected.size, `${path.basename(file)}: no other cells appeared`);
      assert.deepEqual(after.worksheets.map((s) => s.model.merges), before.worksheets.map((s) => s.model.merges));
    }
  });
});

test('inspectSpreadsheetFile recognises the real xlsx and csv files', { skip: realDataSkip }, async () => {
  for (const file of await realFiles('.xlsx')) assert.deepEqual(await inspectSpreadsheetFile(file, DEFAULT_READ_LIMITS), { kind: 'xlsx' }, file);
  for (const file of await realFiles('.csv')) assert.deepEqual(await inspectSpreadsheetFile(file, DEFAULT_READ_LIMITS), { kind: 'csv' }, file);
});

// ---- inspect --------------------------------------------------------------------------------

test('inspectSpreadsheetFile rejects damaged, foreign and empty files with a useful code', async () => {
  await withTempDir(async (dir) => {
    const xlsx = path.join(dir, 'book.xlsx');
    await buildFixture(xlsx);
    assert.deepEqual(await inspectSpreadsheetFile(xlsx, DEFAULT_READ_LIMITS), { kind: 'xlsx' });
    await expectFanyiError(inspectSpreadsheetFile(xlsx, { ...DEFAULT_READ_LIMITS, maxFileBytes: 1000 }), 'FILE_TOO_LARGE', /book\.xlsx is .* MB, over/);

    await truncate(xlsx, Math.floor((await stat(xlsx)).size / 2));
    await expectFanyiError(inspectSpreadsheetFile(xlsx, DEFAULT_READ_LIMITS), 'CORRUPT_FILE', /book\.xlsx is a damaged/);

    const notXlsx = path.join(dir, 'archive.zip');
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    zip.file('readme.txt', 'hello');
    await writeFile(notXlsx, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    await expectFanyiError(inspectSpreadsheetFile(notXlsx, DEFAULT_READ_LIMITS), 'UNSUPPORTED_FORMAT', /archive\.zip is a zip file but not an xlsx workbook/);

    const samples: Array<[string, Buffer, ErrorCode, RegExp]> = [
      ['empty.csv', Buffer.alloc(0), 'EMPTY_WORKBOOK', /empty/],
      ['locked.xlsx', oleFile(Buffer.from('EncryptedPackage', 'utf16le')), 'ENCRYPTED_FILE', /locked\.xlsx is password-protected; remove the password/],
      ['old.xls', oleFile(Buffer.from('Workbook', 'utf16le')), 'UNSUPPORTED_FORMAT', /old\.xls is a legacy \.xls \(Excel 97-2003\) file/],
      ['picture.csv', Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]), 'UNSUPPORTED_FORMAT', /picture\.csv is not a spreadsheet/],
      ['paper.xlsx', Buffer.from('%PDF-1.7\n%âãÏÓ\n'), 'UNSUPPORTED_FORMAT', /not a spreadsheet/],
      ['blob.csv', Buffer.from([1, 0, 0, 2, 0, 3, 65, 0, 0, 0, 66]), 'UNSUPPORTED_FORMAT', /not a spreadsheet/],
    ];
    for (const [name, bytes, code, pattern] of samples) {
      await writeFile(path.join(dir, name), bytes);
      await expectFanyiError(inspectSpreadsheetFile(path.join(dir, name), DEFAULT_READ_LIMITS), code, pattern);
    }
  });
});

/** A fake compound file: the OLE signature, filler, and a directory name somewhere inside. */
function oleFile(streamName: Buffer): Buffer {
  return Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1500, 0xff), streamName, Buffer.alloc(600)]);
}

test('inspectSpreadsheetFile treats text, including UTF-16, as csv', async () => {
  await withTempDir(async (dir) => {
    const samples: Array<[string, Buffer]> = [
      ['plain.csv', Buffer.from('key,en\nhello,Hello\n')],
      ['bom16.tsv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('key\ten\n你好\thi\n', 'utf16le')])],
      ['nobom16.csv', Buffer.from('key,en\nhello,Hello\n', 'utf16le')],
    ];
    for (const [name, bytes] of samples) {
      await writeFile(path.join(dir, name), bytes);
      assert.deepEqual(await inspectSpreadsheetFile(path.join(dir, name), DEFAULT_READ_LIMITS), { kind: 'csv' }, name);
    }
  });
});

test('inspectSpreadsheetFile stops zip bombs without inflating them', async () => {
  await withTempDir(async (dir) => {
    const bomb = path.join(dir, 'bomb.xlsx');
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    zip.file('xl/workbook.xml', '<workbook/>');
    zip.file('xl/media/zeros.bin', Buffer.alloc(48 * 1024 * 1024));
    const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
    await writeFile(bomb, bytes);
    const small: ReadLimits = { ...DEFAULT_READ_LIMITS, maxUncompressedBytes: 16 * 1024 * 1024 };
    await expectFanyiError(inspectSpreadsheetFile(bomb, small), 'FILE_TOO_LARGE', /bomb\.xlsx would expand to 48\.0 MB when unzipped, over the 16\.0 MB limit/);
    assert.deepEqual(await inspectSpreadsheetFile(bomb, DEFAULT_READ_LIMITS), { kind: 'xlsx' }, '48 MB of zeros is under every default limit');

    // Declare 600 MB for the same few compressed bytes: under the total limit, but 1000:1 past 100 MB.
    const lastName = bytes.lastIndexOf(Buffer.from('xl/media/zeros.bin'));
    bytes.writeUInt32LE(600 * 1024 * 1024, lastName - 46 + 24);
    await writeFile(bomb, bytes);
    await expectFanyiError(inspectSpreadsheetFile(bomb, DEFAULT_READ_LIMITS), 'FILE_TOO_LARGE', /xl\/media\/zeros\.bin.*zip bomb/);
  });
});
