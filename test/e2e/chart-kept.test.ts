/**
 * README write-back: the `.xlsx` is patched inside its zip, every part but the target cells'
 * sheet byte-identical — charts included. A workbook with a real bar chart (drawing, chart part,
 * relationships, content types; test/helpers/chart-workbook.ts) translated by the real CLI into an
 * existing column and a new one: the chart and its drawing come out byte for byte, and the sheet
 * still points at the drawing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import JSZip from 'jszip';
import { CHART_PARTS, writeChartWorkbook, type ChartWorkbook } from '../helpers/chart-workbook.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { diffZipParts } from '../helpers/xlsx-cell-diff.ts';

const TEXTS = ['金币', '宝石', '长剑', '盾牌'];

describe('a chart survives the write-back byte for byte', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let input: ChartWorkbook;
  let out: string;
  let result: CliResult;

  before(async () => {
    temp = await makeTempDir('fanyi-chart-');
    input = await writeChartWorkbook(path.join(temp.dir, 'items.xlsx'), TEXTS);
    out = path.join(temp.dir, 'items.out.xlsx');
    const args = ['translate', input.file, '--to', 'pt-BR,th', '--provider', 'pseudo', '--db', path.join(temp.dir, 'fanyi.db'), '--out', out, '--json'];
    result = await runCli(args, { cwd: temp.dir });
  });

  after(async () => temp?.cleanup());

  test('the target cells are filled: PT, and a new th column after Count', async () => {
    assert.equal(result.code, 0, describeResult(result));
    const sheet = (await readWorkbook(out)).getWorksheet('Items')!;
    assert.equal(sheet.getCell('E1').value, 'th');
    for (let row = 2; row <= TEXTS.length + 1; row++) {
      for (const col of ['C', 'E']) assert.match(String(sheet.getCell(`${col}${row}`).value ?? ''), /\S/, `${col}${row} translated`);
    }
  });

  test('only the sheet part changed; chart, drawing, their relationships and content types are identical', async () => {
    assert.deepEqual(await diffZipParts(input.file, out), [input.sheetPart]);
    const zip = await JSZip.loadAsync(await readFile(out));
    for (const [name, xml] of Object.entries(CHART_PARTS)) {
      assert.ok((await zip.file(name)?.async('nodebuffer'))?.equals(Buffer.from(xml)), `${name} byte-identical`);
    }
  });

  test('the patched sheet still references its drawing, after the cells', async () => {
    const zip = await JSZip.loadAsync(await readFile(out));
    const sheet = await zip.file(input.sheetPart)!.async('string');
    assert.equal(sheet.match(/<drawing r:id="rId1"\/>/g)?.length, 1);
    assert.ok(sheet.indexOf('</sheetData>') < sheet.indexOf('<drawing'), 'CT_Worksheet order kept');
  });
});
