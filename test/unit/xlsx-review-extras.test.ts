/**
 * The two things patchXlsx adds only when asked: an appended table sheet (the Review sheet) and
 * highlighted cells (cloned styles with a fill). Read back with exceljs, and checked at the zip
 * level for what must stay byte-identical.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { patchXlsx, type TableSheet } from '../../src/workbook/xlsx/patch-xlsx.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';

const FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' }, bgColor: { indexed: 64 } };
const TABLE: TableSheet = { name: 'Review', columns: [{ header: 'Cell', width: 8 }, { header: 'Score', width: 6 }, { header: 'Note', width: 30 }], rows: [['C2', 40, ' two\nlines & <b>'], ['C3', null, '']] };



async function entries(file: string): Promise<Map<string, string>> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const out = new Map<string, string>();
  for (const name of Object.keys(zip.files)) if (!zip.files[name].dir) out.set(name, await zip.file(name)!.async('string'));
  return out;
}

test('an appended sheet takes the next free name, holds the table, and leaves the other parts as they were', async () => {
  await withTempDir(async (dir) => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet('review').addRow(['Key', 'CH', 'PT']);
    const input = path.join(dir, 'in.xlsx');
    await book.xlsx.writeFile(input);
    const output = path.join(dir, 'out.xlsx');
    assert.deepEqual(await patchXlsx(input, output, [], { appendSheet: TABLE }), { appendedSheet: 'Review (2)' });
    const back = await readWorkbook(output);
    assert.deepEqual(back.worksheets.map((s) => s.name), ['review', 'Review (2)']);
    const sheet = back.getWorksheet('Review (2)')!;
    assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), ['Cell', 'Score', 'Note']);
    assert.deepEqual((sheet.getRow(2).values as unknown[]).slice(1), ['C2', 40, ' two\nlines & <b>']);
    assert.deepEqual((sheet.getRow(3).values as unknown[]).slice(1), ['C3']);
    assert.equal(sheet.getColumn(3).width, 30);
    const [before, after] = [await entries(input), await entries(output)];
    const changed = [...after.keys()].filter((name) => before.get(name) !== after.get(name)).sort();
    assert.deepEqual(changed, ['[Content_Types].xml', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/worksheets/sheet2.xml']);
    await patchXlsx(input, path.join(dir, 'again.xlsx'), [], { appendSheet: TABLE });
    assert.ok((await readFile(output)).equals(await readFile(path.join(dir, 'again.xlsx'))), 'the same export gives the same bytes');
  });
});

test('highlighted cells get a fill over their own style; cells sharing that style keep it', async () => {
  await withTempDir(async (dir) => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('UI');
    sheet.addRow(['Key', 'CH', 'PT']);
    sheet.addRow(['a', '你好', null]);
    sheet.addRow(['b', '再见', 'old']);
    for (const ref of ['C2', 'C3', 'C4']) sheet.getCell(ref).font = { italic: true, name: 'Arial', size: 10 };
    const input = path.join(dir, 'in.xlsx');
    await book.xlsx.writeFile(input);
    const output = path.join(dir, 'out.xlsx');
    const edits = [{ sheetName: 'UI', row: 1, col: 2, text: 'Olá' }];
    const highlight = [{ sheetName: 'UI', row: 1, col: 2 }, { sheetName: 'UI', row: 2, col: 2 }, { sheetName: 'UI', row: 6, col: 4 }];
    await patchXlsx(input, output, edits, { highlight });
    const ui = (await readWorkbook(output)).getWorksheet('UI')!;
    assert.deepEqual([ui.getCell('C2').value, ui.getCell('C2').fill, ui.getCell('C2').font], ['Olá', FILL, { italic: true, name: 'Arial', size: 10 }]);
    assert.deepEqual([ui.getCell('C3').value, ui.getCell('C3').fill], ['old', FILL], 'a highlighted cell keeps its value');
    assert.deepEqual([ui.getCell('E7').value, ui.getCell('E7').fill], [null, FILL], 'a cell that did not exist is added, empty');
    assert.deepEqual(ui.getCell('C4').style, (await readWorkbook(input)).getWorksheet('UI')!.getCell('C4').style, 'same style, not highlighted: unchanged');
  });
});

test('a workbook without a styles part gets a minimal one when cells are highlighted', async () => {
  await withTempDir(async (dir) => {
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>');
    zip.file('_rels/.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>');
    zip.file('xl/workbook.xml', '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>');
    zip.file('xl/_rels/workbook.xml.rels', '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>');
    zip.file('xl/worksheets/sheet1.xml', '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>');
    const input = path.join(dir, 'bare.xlsx');
    await writeFile(input, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    await patchXlsx(input, input, [{ sheetName: 'S', row: 0, col: 1, text: 'y' }], { highlight: [{ sheetName: 'S', row: 0, col: 1 }], appendSheet: TABLE });
    const back = await readWorkbook(input);
    assert.deepEqual(back.worksheets.map((s) => s.name), ['S', 'Review']);
    assert.deepEqual([back.getWorksheet('S')!.getCell('B1').value, back.getWorksheet('S')!.getCell('B1').fill], ['y', FILL]);
    const parts = await entries(input);
    assert.match(parts.get('[Content_Types].xml')!, /PartName="\/xl\/styles\.xml" ContentType="[^"]+styles\+xml"/);
    assert.match(parts.get('xl/_rels/workbook.xml.rels')!, /Id="rId2" Type="[^"]+\/styles" Target="styles\.xml"/);
  });
});
