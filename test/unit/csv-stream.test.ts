/**
 * CSV read and written row by row (issue 16): a file parsed in chunks gives the records it gives
 * parsed whole, wherever a chunk ends; files longer than the sniffers' first chunk keep their
 * encoding, and a write-back streams the rows through, unchanged ones byte-identical.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { isFanyiError } from '../../src/errors.ts';
import { patchCsv } from '../../src/workbook/csv/csv-patch.ts';
import { newEndingCounts, parseCsv, parseCsvChunk, type CsvRecord } from '../../src/workbook/csv/csv-parse.ts';
import { CSV_CHUNK_BYTES, openCsv } from '../../src/workbook/csv/csv-stream.ts';
import { DEFAULT_READ_LIMITS } from '../../src/workbook/sheet-model.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';

const TRICKY = 'id,text\r\n1,"two\r\nlines"\r\n2,"say ""hi"""\r\n3,plain\r4,"a,b"x\n5,""\n6,"end"';

/** Parses `text` cut at `cut` as a reader of chunks would: the first part not last, the carried rest with the remainder, last. */
function parseInTwo(text: string, cut: number): CsvRecord[] {
  const endings = newEndingCounts();
  const first = parseCsvChunk(text.slice(0, cut), ',', { isLast: false, endings });
  const rest = parseCsvChunk(text.slice(0, cut).slice(first.consumed) + text.slice(cut), ',', { isLast: true, endings });
  return [...first.records, ...rest.records];
}

test('a chunk cut anywhere gives the records of the whole text: CRLF, lone CR, quoted line breaks, doubled quotes', () => {
  const whole = parseCsv(TRICKY, ',').records;
  assert.equal(whole.length, 7);
  for (let cut = 0; cut <= TRICKY.length; cut++) assert.deepEqual(parseInTwo(TRICKY, cut), whole, `cut at ${cut}`);
});

test('a stray quote is literal text only once the end of the file shows it never closes', () => {
  const text = 'a,"b\nc,d\ne,f\n';
  const whole = parseCsv(text, ',').records;
  assert.deepEqual(whole.map((r) => r.fields), [['a', '"b'], ['c', 'd'], ['e', 'f']]);
  for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(parseInTwo(text, cut), whole, `cut at ${cut}`);
});

/** Rows long enough that the file spans several chunks, with multi-line and quoted cells on the way. */
function bigRows(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i % 97 === 0 ? `${i},"多行\n文本 ${i}","引号 ""${i}"""\r\n` : `${i},中文文本 ${i} 的描述,English text ${i}\r\n`));
}

for (const encoding of ['utf-8', 'gb18030', 'utf-16le', 'utf-16be'] as const) {
  test(`${encoding}: a file of several chunks reads as it parses whole, and a write-back with edits keeps every other row's bytes`, async () => {
    await withTempDir(async (dir) => {
      const rows = ['key,zh,en\r\n', ...bigRows(60_000)];
      const bom = encoding === 'utf-8' ? Buffer.from([0xef, 0xbb, 0xbf]) : encoding === 'utf-16le' ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0);
      const bytes = Buffer.concat([bom, iconv.encode(rows.join(''), encoding)]);
      assert.ok(bytes.length > 2 * CSV_CHUNK_BYTES, `${bytes.length} bytes: more than two chunks`);
      const file = path.join(dir, 'big.csv');
      await writeFile(file, bytes);

      const stream = await openCsv(file, DEFAULT_READ_LIMITS);
      assert.equal(stream.guess.bom, bom.length > 0);
      const records: CsvRecord[] = [];
      for await (const record of stream.records()) records.push(record);
      assert.deepEqual(records, parseCsv(rows.join(''), ',').records);
      assert.equal(stream.totals?.lineEnding, '\r\n');

      const out = path.join(dir, 'out.csv');
      const edits = [{ row: 1, col: 2, text: 'changed, with a comma' }, { row: 40_000, col: 1, text: 'ใหม่' }, { row: 60_002, col: 0, text: 'added' }];
      await patchCsv(file, out, edits);
      const expected = [...rows];
      expected[1] = '0,"多行\n文本 0","changed, with a comma"\r\n';
      expected[40_000] = `39999,ใหม่,English text 39999\r\n`;
      expected.push('\r\n', 'added\r\n');
      if (encoding === 'gb18030') assert.deepEqual(await readFile(out), Buffer.concat([bom, iconv.encode(expected.join(''), encoding)]));
      else assert.deepEqual((await readFile(out)).subarray(bom.length), iconv.encode(expected.join(''), encoding));
    });
  });
}

test('bytes that are not UTF-8 past the first chunk fail like a file the sniffer rejects', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'late.csv');
    await writeFile(file, Buffer.concat([Buffer.from(bigRows(40_000).join('')), Buffer.from([0x31, 0x2c, 0xff, 0xfe, 0x0a])]));
    const stream = await openCsv(file, DEFAULT_READ_LIMITS);
    assert.equal(stream.guess.encoding, 'utf8');
    await assert.rejects(
      async () => {
        for await (const _ of stream.records());
      },
      (error: unknown) => isFanyiError(error) && error.code === 'UNSUPPORTED_FORMAT' && /^late\.csv is not in a supported text encoding/.test(error.message),
    );
  });
});

test('the cell limit holds across chunks', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'cells.csv');
    await writeFile(file, bigRows(40_000).join(''));
    const stream = await openCsv(file, DEFAULT_READ_LIMITS);
    await assert.rejects(
      async () => {
        for await (const _ of stream.records(100_000));
      },
      (error: unknown) => isFanyiError(error) && error.code === 'FILE_TOO_LARGE' && /more than 100000 non-empty cells/.test(error.message),
    );
  });
});

test('rows added past the end: the old last row gains a line break only if it lacked one, the new last row ends as the file did', async () => {
  await withTempDir(async (dir) => {
    for (const [source, expected] of [
      ['a,b\r\n1,2', 'a,b\r\n1,2\r\n\r\nx'],
      ['a,b\r\n1,2\r\n', 'a,b\r\n1,2\r\n\r\nx\r\n'],
    ]) {
      const file = path.join(dir, 'short.csv');
      await writeFile(file, source);
      const out = path.join(dir, 'out.csv');
      await patchCsv(file, out, [{ row: 3, col: 0, text: 'x' }]);
      assert.equal(await readFile(out, 'utf8'), expected, JSON.stringify(source));
    }
  });
});
