import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundsOf, RowWindows } from '../../src/workbook/sheet-edits.ts';
import { patchSheetStream, type CellChange, type RowEdits } from '../../src/workbook/xlsx/patch-sheet-xml.ts';

/**
 * The sheet patch streams windows of whole rows. Whatever the chunk edges (inside a tag, inside
 * `</row>`, inside `</sheetData>`), the output must be the one a single chunk gives: same cells,
 * rows due between windows inserted where they belong, the tail after the rows kept.
 */
async function patched(chunks: string[], rows: RowEdits): Promise<string> {
  async function* source(): AsyncGenerator<string> {
    yield* chunks;
  }
  const changes = inRowOrder(rows);
  const out: Buffer[] = [];
  for await (const piece of patchSheetStream(source(), windows(changes), boundsOf(changes))) out.push(piece);
  return Buffer.concat(out).toString('utf8');
}

/** The edits as the store hands them: 0-based, rows ascending. */
function inRowOrder(rows: RowEdits): CellChange[] {
  return [...rows].sort(([a], [b]) => a - b).flatMap(([row, cols]) => [...cols].map(([col, text]) => ({ row: row - 1, col, text })));
}

function windows(changes: CellChange[]): RowWindows<CellChange> {
  async function* cells(): AsyncGenerator<CellChange> {
    yield* changes;
  }
  return new RowWindows(cells(), 'the test sheet');
}

function split(xml: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < xml.length; i += size) chunks.push(xml.slice(i, i + size));
  return chunks;
}

const edits = (): RowEdits =>
  new Map([
    [1, new Map([[1, 'head']])],
    [3, new Map([[0, 'new row between'], [2, 'x']])],
    [4, new Map([[1, 'é<&>']])],
    [6, new Map([[1, 'row without r']])],
    [9, new Map([[0, 'after the last row']])],
  ]);

for (const [label, xml] of [
  [
    'plain',
    '<?xml version="1.0"?><worksheet xmlns="m"><dimension ref="A1:B6"/><cols><col min="2" max="2" style="3"/></cols><sheetData>' +
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1</v></c></row><row r="2" spans="1:2"><c r="A2"><v>2</v></c></row>' +
      '<row r="4"><c r="A4" t="s"><v>1</v></c><c r="B4" t="s" s="2"><v>3</v></c></row><row r="5"/><row><c><v>5</v></c></row>' +
      '</sheetData><pageMargins left="0.7"/><extLst><ext uri="x"/></extLst></worksheet>',
  ],
  [
    'prefixed',
    '<x:worksheet xmlns:x="m"><x:sheetData><x:row r="2"><x:c r="A2"><x:v>1</x:v></x:c></x:row><x:row r="4"><x:c r="C4"><x:v>2</x:v></x:c></x:row>' +
      '<x:row r="5"><x:c r="A5"><x:v>3</x:v></x:c></x:row><x:row r="6"></x:row></x:sheetData></x:worksheet>',
  ],
  ['empty sheetData', '<worksheet><dimension ref="A1"/><sheetData/><pageMargins/></worksheet>'],
] as const) {
  test(`patchSheetStream (${label}): any chunking gives the single-chunk output`, async () => {
    const whole = await patched([xml], edits());
    assert.match(whole, /new row between/);
    assert.match(whole, /after the last row/);
    assert.ok(whole.indexOf('new row between') < whole.indexOf('é&lt;&amp;&gt;'), 'row 3 goes before row 4');
    for (const size of [1, 2, 3, 5, 7, 11, 13, 17, 31, 64, 100]) {
      assert.equal(await patched(split(xml, size), edits()), whole, `chunks of ${size} characters`);
    }
  });
}

test('patchSheetStream: a sheetData that never closes is malformed, however it is chunked', async () => {
  const xml = '<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>';
  for (const size of [xml.length, 4]) {
    await assert.rejects(patched(split(xml, size), edits()), /unclosed <sheetData>/);
  }
});

test('patchSheetStream takes the edits a window at a time: the first rows are written before the last edits are read', async () => {
  const rows = 2_000;
  let xml = '<worksheet><dimension ref="A1:A2000"/><sheetData>';
  for (let r = 1; r <= rows; r++) xml += `<row r="${r}"><c r="A${r}"><v>${r}</v></c></row>`;
  xml += '</sheetData></worksheet>';
  let read = -1;
  async function* cells(): AsyncGenerator<CellChange> {
    for (let row = 0; row < rows; row++) {
      read = row;
      yield { row, col: 1, text: `t${row}` };
    }
  }
  async function* source(): AsyncGenerator<string> {
    yield* split(xml, 4_096);
  }
  const readWhenWritten: number[] = [];
  const out: Buffer[] = [];
  for await (const piece of patchSheetStream(source(), new RowWindows(cells(), 'the test sheet'), { top: 0, bottom: rows - 1, left: 1, right: 1 })) {
    readWhenWritten.push(read);
    out.push(piece);
  }
  assert.ok(readWhenWritten.length > 10, `${readWhenWritten.length} windows`);
  assert.ok(readWhenWritten[0] < 200, `edits read before the first window was written: up to row ${readWhenWritten[0]}`);
  const text = Buffer.concat(out).toString('utf8');
  assert.match(text, /<dimension ref="A1:B2000"\/>/);
  for (const row of [0, 999, 1999]) assert.ok(text.includes(`<c r="B${row + 1}" t="inlineStr"><is><t>t${row}</t></is></c>`), `row ${row + 1} written`);
});

test('patchSheetStream refuses edits that go back to a row already written', async () => {
  const xml = '<worksheet><sheetData>' + Array.from({ length: 400 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>1</v></c></row>`).join('') + '</sheetData></worksheet>';
  const changes: CellChange[] = [{ row: 350, col: 1, text: 'late' }, { row: 2, col: 1, text: 'early, after a later row' }];
  await assert.rejects(async () => {
    for await (const _ of patchSheetStream((async function* () { yield* split(xml, 512); })(), windows(changes), boundsOf(changes)));
  }, /out of row order/);
});
