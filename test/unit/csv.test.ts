import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { readCsvDocument, type CsvDocument } from '../../src/workbook/csv/csv-document.ts';
import { parseCsv, splitRawFields } from '../../src/workbook/csv/csv-parse.ts';
import { sniffDelimiter } from '../../src/workbook/csv/sniff-delimiter.ts';
import { sniffEncoding } from '../../src/workbook/csv/sniff-encoding.ts';
import { isFanyiError } from '../../src/errors.ts';
import { DEFAULT_READ_LIMITS, type CellValue, type ReadLimits } from '../../src/workbook/sheet-model.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';



const BOM_BYTES: Record<string, number[]> = { 'utf-8': [0xef, 0xbb, 0xbf], 'utf-16le': [0xff, 0xfe], 'utf-16be': [0xfe, 0xff] };

/** A file authored row by row: each row's source text including its line break. */
interface Fixture {
  readonly name: string;
  /** iconv-lite encoding the rows are written in. */
  readonly iconvEncoding: string;
  readonly bom: boolean;
  readonly rows: readonly string[];
  readonly expect: { encoding: string; delimiter: string; lineEnding: string; cells: Record<number, CellValue[]> };
  readonly edits: ReadonlyArray<{ row: number; col: number; text: string }>;
  /** The source text each edited (or added) row must have after saving, by row index. */
  readonly rewritten: Record<number, string>;
}

function encodeRows(fixture: Fixture, rows: readonly string[]): Buffer {
  const bom = fixture.bom ? Buffer.from(BOM_BYTES[fixture.iconvEncoding]) : Buffer.alloc(0);
  return Buffer.concat([bom, ...rows.map((row) => iconv.encode(row, fixture.iconvEncoding))]);
}

const FIXTURES: Fixture[] = [
  {
    name: 'plain.csv',
    iconvEncoding: 'utf-8',
    bom: false,
    rows: ['key,en,zh\n', 'greeting,Hello,你好\n', 'bye,Bye,\n'],
    expect: { encoding: 'utf8', delimiter: ',', lineEnding: '\n', cells: { 1: ['greeting', 'Hello', '你好'], 2: ['bye', 'Bye', null] } },
    edits: [{ row: 2, col: 2, text: '再见' }, { row: 1, col: 2, text: '您好, 世界' }],
    rewritten: { 1: 'greeting,Hello,"您好, 世界"\n', 2: 'bye,Bye,再见\n' },
  },
  {
    name: 'bom-crlf.csv',
    iconvEncoding: 'utf-8',
    bom: true,
    rows: ['key,en,fr\r\n', 'ok,"OK",\r\n', 'cancel,Cancel,Annuler\r\n'],
    expect: { encoding: 'utf8', delimiter: ',', lineEnding: '\r\n', cells: { 0: ['key', 'en', 'fr'], 1: ['ok', 'OK', null] } },
    edits: [{ row: 1, col: 1, text: 'Okay' }, { row: 1, col: 2, text: "D'accord" }],
    rewritten: { 1: `ok,"Okay",D'accord\r\n` },
  },
  {
    name: 'utf16.tsv',
    iconvEncoding: 'utf-16le',
    bom: true,
    rows: ['key\ten\tja\n', 'title\tMain menu\tメインメニュー\n', 'start\tStart, now\t\n'],
    expect: { encoding: 'utf16le', delimiter: '\t', lineEnding: '\n', cells: { 2: ['start', 'Start, now', null] } },
    edits: [{ row: 2, col: 2, text: '開始' }],
    rewritten: { 2: 'start\tStart, now\t開始\n' },
  },
  {
    // Chinese text within GBK, whose bytes GB18030 shares; encoded as GB18030 so the edit below can leave GBK.
    name: 'gbk.csv',
    iconvEncoding: 'gb18030',
    bom: false,
    rows: ['编号,中文,英文\n', '1,你好，世界,\n', '2,翻译表格,Translate tables\n', '3,"引号""内""文字",\n'],
    expect: { encoding: 'gb18030', delimiter: ',', lineEnding: '\n', cells: { 0: ['编号', '中文', '英文'], 3: ['3', '引号"内"文字', null] } },
    // 𠮷 is outside GBK: it must come out as a four-byte GB18030 sequence.
    edits: [{ row: 1, col: 2, text: 'Hello, world' }, { row: 3, col: 1, text: '吉𠮷' }],
    rewritten: { 1: '1,你好，世界,"Hello, world"\n', 3: '3,"吉𠮷",\n' },
  },
  {
    name: 'semicolon-ragged.csv',
    iconvEncoding: 'utf-8',
    bom: false,
    rows: ['  Key;en;de\r\n', 'a;Apple;Apfel;extra\r\n', ' b; Banana;\r\n', 'c;Cherry;Kirsche'],
    expect: { encoding: 'utf8', delimiter: ';', lineEnding: '\r\n', cells: { 0: ['  Key', 'en', 'de'], 1: ['a', 'Apple', 'Apfel', 'extra'], 2: [' b', ' Banana', null] } },
    edits: [{ row: 2, col: 2, text: 'Banane; gelb' }, { row: 3, col: 2, text: 'Kirsche ' }],
    rewritten: { 2: ' b; Banana;"Banane; gelb"\r\n', 3: 'c;Cherry;Kirsche ' },
  },
  {
    name: 'quoted.csv',
    iconvEncoding: 'utf-8',
    bom: false,
    rows: ['id,text\n', '1,"line one\nline two"\n', '2,"She said ""hi"""\n', '3,"quoted plain"\n'],
    expect: { encoding: 'utf8', delimiter: ',', lineEnding: '\n', cells: { 1: ['1', 'line one\nline two'], 2: ['2', 'She said "hi"'], 3: ['3', 'quoted plain'] } },
    edits: [
      { row: 1, col: 2, text: 'extra' },
      { row: 2, col: 1, text: 'a "b"' },
      { row: 3, col: 1, text: 'new' },
      { row: 5, col: 0, text: '5' },
    ],
    rewritten: { 1: '1,"line one\nline two",extra\n', 2: '2,"a ""b"""\n', 3: '3,"new"\n', 4: '\n', 5: '5\n' },
  },
];

for (const fixture of FIXTURES) {
  test(`csv ${fixture.name}: reads cells, format and encoding`, async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, fixture.name);
      await writeFile(file, encodeRows(fixture, fixture.rows));
      const doc = await readCsvDocument(file, DEFAULT_READ_LIMITS);
      assertFormat(doc, fixture);
      assert.equal(doc.sheets[0].name, path.parse(fixture.name).name);
      assert.equal(doc.sheets[0].rows.length, fixture.rows.length);
      for (const [row, cells] of Object.entries(fixture.expect.cells)) assert.deepEqual(doc.sheets[0].rows[Number(row)], cells);
    });
  });

  test(`csv ${fixture.name}: a save with no changes is byte-identical`, async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, fixture.name);
      const original = encodeRows(fixture, fixture.rows);
      await writeFile(file, original);
      const out = path.join(dir, `out-${fixture.name}`);
      await (await readCsvDocument(file, DEFAULT_READ_LIMITS)).save(out);
      assert.deepEqual(await readFile(out), original);
    });
  });

  test(`csv ${fixture.name}: edits rewrite only their rows and survive a re-read`, async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, fixture.name);
      await writeFile(file, encodeRows(fixture, fixture.rows));
      const doc = await readCsvDocument(file, DEFAULT_READ_LIMITS);
      for (const { row, col, text } of fixture.edits) doc.setText(0, row, col, text);
      await doc.save(file);
      const rowCount = Math.max(fixture.rows.length, ...Object.keys(fixture.rewritten).map((r) => Number(r) + 1));
      const expected = Array.from({ length: rowCount }, (_, r) => fixture.rewritten[r] ?? fixture.rows[r]);
      // Unchanged rows keep their original bytes; the whole file is exactly the expected rows.
      assert.deepEqual(await readFile(file), encodeRows(fixture, expected));
      const reread = await readCsvDocument(file, DEFAULT_READ_LIMITS);
      assertFormat(reread, fixture);
      for (const { row, col, text } of fixture.edits) assert.equal(reread.sheets[0].rows[row]?.[col], text);
    });
  });
}

function assertFormat(doc: CsvDocument, fixture: Fixture): void {
  assert.equal(doc.format, 'csv');
  assert.equal(doc.encoding, fixture.expect.encoding);
  assert.equal(doc.bom, fixture.bom);
  assert.equal(doc.delimiter, fixture.expect.delimiter);
  assert.equal(doc.lineEnding, fixture.expect.lineEnding);
  assert.equal(doc.sheets.length, 1);
  assert.equal(doc.sheets[0].hidden, false);
}

test('sniffEncoding: BOMs, BOM-less UTF-16, UTF-8, GB18030, binary', () => {
  const le = Buffer.from('a,b\n中,文\n', 'utf16le');
  const be = Buffer.from(le).swap16();
  assert.deepEqual(sniffEncoding(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), { encoding: 'utf16be', bom: true });
  assert.deepEqual(sniffEncoding(le), { encoding: 'utf16le', bom: false });
  assert.deepEqual(sniffEncoding(be), { encoding: 'utf16be', bom: false });
  assert.deepEqual(sniffEncoding(Buffer.from('a,b\n中,文\n')), { encoding: 'utf8', bom: false });
  assert.deepEqual(sniffEncoding(iconv.encode('键,值\n你好,世界\n', 'gbk')), { encoding: 'gb18030', bom: false });
  assert.deepEqual(sniffEncoding(iconv.encode('键,值\n𠮷,€\n', 'gb18030')), { encoding: 'gb18030', bom: false });
  assert.equal(sniffEncoding(Buffer.from([0x61, 0x00, 0x00, 0x00, 0x62, 0x2c])), null);
  assert.equal(sniffEncoding(Buffer.from('caf\xe9,x\n', 'latin1')), null);
});

test('sniffDelimiter: respects quotes, prefers consistency, honours .tsv', () => {
  assert.equal(sniffDelimiter('a;b;c\n"x,y,z";2;3\n"p,q";5;6\n'), ';');
  assert.equal(sniffDelimiter('id,text\n1,"a;b;c"\n2,"d;e"\n3,plain\n'), ',');
  assert.equal(sniffDelimiter('k|v\na|1\nb|2\n'), '|');
  assert.equal(sniffDelimiter('k\tv\na\t1\n'), '\t');
  assert.equal(sniffDelimiter('single column\nrow\n'), ',');
  assert.equal(sniffDelimiter('a,b\n1,2\n', { extension: '.tsv' }), '\t');
});

test('parseCsv: line endings, missing final newline, leniency', () => {
  const crlf = parseCsv('a,b\r\n1,2\r\n3', ',');
  assert.equal(crlf.lineEnding, '\r\n');
  assert.deepEqual(crlf.records.map((r) => [r.raw, r.terminator]), [['a,b', '\r\n'], ['1,2', '\r\n'], ['3', '']]);
  assert.equal(parseCsv('a\rb\r', ',').lineEnding, '\r');
  assert.deepEqual(parseCsv('x,"ab"cd,"",e""f\n', ',').records[0].fields, ['x', 'abcd', '', 'e""f']);
  // An unterminated quote is literal text and does not swallow the following lines.
  assert.deepEqual(parseCsv('a,"b\nc,d\n', ',').records.map((r) => r.fields), [['a', '"b'], ['c', 'd']]);
  assert.deepEqual(splitRawFields(' a ,"b,""c""",', ','), [' a ', '"b,""c"""', '']);
});

async function expectFanyiError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isFanyiError(error), `expected a FanyiError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'messages are one line');
    return true;
  });
}

test('readCsvDocument: limits, binary, unknown encoding, empty and missing files', async () => {
  await withTempDir(async (dir) => {
    const put = async (name: string, bytes: Buffer | string) => {
      await writeFile(path.join(dir, name), bytes);
      return path.join(dir, name);
    };
    const limits = (over: Partial<ReadLimits>): ReadLimits => ({ ...DEFAULT_READ_LIMITS, ...over });
    const table = await put('table.csv', 'a,b\n1,2\n3,\n');
    await expectFanyiError(readCsvDocument(table, limits({ maxFileBytes: 5 })), 'FILE_TOO_LARGE', /^table\.csv .*max_file_mb/);
    await expectFanyiError(readCsvDocument(table, limits({ maxCells: 4 })), 'FILE_TOO_LARGE', /^table\.csv has more than 4/);
    assert.equal((await readCsvDocument(table, limits({ maxCells: 5 }))).sheets[0].rows.length, 3);
    const zip = await put('file.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]));
    await expectFanyiError(readCsvDocument(zip, DEFAULT_READ_LIMITS), 'UNSUPPORTED_FORMAT', /^file\.csv is not a text CSV file \(it looks like a zip/);
    const xls = await put('old.csv', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]));
    await expectFanyiError(readCsvDocument(xls, DEFAULT_READ_LIMITS), 'UNSUPPORTED_FORMAT', /^old\.csv is not a text CSV file/);
    const nul = await put('nul.csv', Buffer.from('a,b\n1,\u0000\u0000\u0007\n', 'latin1'));
    await expectFanyiError(readCsvDocument(nul, DEFAULT_READ_LIMITS), 'UNSUPPORTED_FORMAT', /^nul\.csv is not a text CSV file/);
    const latin = await put('latin.csv', Buffer.from('name,city\nJosé,Zürich café\n', 'latin1'));
    await expectFanyiError(readCsvDocument(latin, DEFAULT_READ_LIMITS), 'UNSUPPORTED_FORMAT', /^latin\.csv .*UTF-8/);
    for (const [name, bytes] of [['zero.csv', Buffer.alloc(0)], ['bom.csv', Buffer.from([0xef, 0xbb, 0xbf])], ['blank.csv', '\n  \r\n\t\n']] as const) {
      await expectFanyiError(readCsvDocument(await put(name, bytes), DEFAULT_READ_LIMITS), 'EMPTY_WORKBOOK', new RegExp(`^${name.replace('.', '\\.')} is empty`));
    }
    await expectFanyiError(readCsvDocument(path.join(dir, 'nope.csv'), DEFAULT_READ_LIMITS), 'FILE_NOT_FOUND', /^nope\.csv/);
  });
});

test('readCsvDocument: sheetName option and atomic save leaves no temp file', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'data.csv');
    await writeFile(file, 'a,b\n');
    const doc = await readCsvDocument(file, DEFAULT_READ_LIMITS, { sheetName: 'Strings' });
    assert.equal(doc.sheets[0].name, 'Strings');
    doc.setText(0, 0, 1, '');
    await doc.save(file);
    assert.equal(await readFile(file, 'utf8'), 'a,\n');
    assert.deepEqual(doc.sheets[0].rows[0], ['a', null]);
    assert.deepEqual(await readdir(dir), ['data.csv']);
  });
});

// ---- Real files (see shared/data/real/PROVENANCE.md) ----

interface RealExpectation {
  readonly file: string;
  readonly delimiter: string;
  readonly lineEnding: string;
  readonly bom: boolean;
  readonly rows: number;
  readonly width: number;
  /** Non-empty cells per header column below the header (whitespace-only cells count as empty). */
  readonly fill: Record<string, number>;
}

const REAL_FILES: RealExpectation[] = [
  {
    file: 'panel-attack/localization.csv', delimiter: ',', lineEnding: '\n', bom: false, rows: 260, width: 10,
    fill: { EN: 259, FR: 256, PT: 256, JP: 256, ES: 257, GE: 259, IT: 256, TH: 255, 'Context for translation': 68 },
  },
  {
    file: 'polyglot-gamedev/PolyglotGamedev.csv', delimiter: ',', lineEnding: '\n', bom: true, rows: 642, width: 28,
    fill: { KEY: 641, en_US: 641, he_IL: 641, ar: 641, bs_BA: 637 },
  },
  {
    file: 'mediainfo/Language.csv', delimiter: ';', lineEnding: '\r\n', bom: false, rows: 1413, width: 39,
    fill: { en: 1372, ru: 1411, th: 819, 'pt-BR': 903, 'zh-CN': 1334, ro: 339 },
  },
  {
    file: 'cats-blender-plugin/translations.csv', delimiter: ',', lineEnding: '\n', bom: false, rows: 800, width: 4,
    fill: { name: 799, en_US: 799, ja_JP: 317, ko_KR: 434 },
  },
  {
    file: 'reviews-amazon-fine-food/fine_food_reviews_1k.csv', delimiter: ',', lineEnding: '\n', bom: false, rows: 1001, width: 10,
    fill: { Id: 1000, Score: 1000, Summary: 1000, Text: 1000 },
  },
];

function fillOf(rows: ReadonlyArray<ReadonlyArray<CellValue> | undefined>, col: number): number {
  return rows.slice(1).filter((r) => typeof r?.[col] === 'string' && (r[col] as string).trim() !== '').length;
}

for (const real of REAL_FILES) {
  test(`real ${real.file}: shape matches PROVENANCE.md and a no-change save is byte-identical`, { skip: realDataSkip }, async () => {
    const source = realDataPath(real.file);
    const doc = await readCsvDocument(source, DEFAULT_READ_LIMITS);
    assert.equal(doc.encoding, 'utf8');
    assert.equal(doc.bom, real.bom);
    assert.equal(doc.delimiter, real.delimiter);
    assert.equal(doc.lineEnding, real.lineEnding);
    const { rows } = doc.sheets[0];
    assert.equal(rows.length, real.rows);
    assert.equal(rows[0]?.length, real.width);
    for (const [column, count] of Object.entries(real.fill)) {
      const col = rows[0]!.indexOf(column);
      assert.ok(col >= 0, `column ${column}`);
      assert.equal(fillOf(rows, col), count, `fill of ${column}`);
    }
    await withTempDir(async (dir) => {
      const out = path.join(dir, path.basename(real.file));
      await doc.save(out);
      assert.deepEqual(await readFile(out), await readFile(source));
    });
  });
}

test('real panel-attack: ragged rows and multi-line cells', { skip: realDataSkip }, async () => {
  const { rows } = (await readCsvDocument(realDataPath('panel-attack/localization.csv'), DEFAULT_READ_LIMITS)).sheets[0];
  const ragged = rows.filter((r) => r!.length !== 10).map((r) => [r![0], r!.length]);
  assert.deepEqual(ragged, [['op_username_blank_warning', 9], ['op_shakeIntensity', 8], ['op_performance_drain', 8]]);
  assert.equal(rows.flat().filter((c) => typeof c === 'string' && c.includes('\n')).length, 87);
});

test('real mediainfo: leading spaces kept, quoted ";" row, one edit changes one line only', { skip: realDataSkip }, async () => {
  const source = realDataPath('mediainfo/Language.csv');
  const doc = await readCsvDocument(source, DEFAULT_READ_LIMITS);
  const { rows } = doc.sheets[0];
  assert.equal(rows[0]![0], '  Language_ISO639');
  // PROVENANCE counts 40 fields in the `: ` row by splitting on `;`; its `";"` is an RFC-4180
  // quoted semicolon, so the row parses to 39 fields like every other.
  const colon = rows.find((r) => r![0] === ': ')!;
  assert.equal(colon.length, 39);
  assert.equal(colon[rows[0]!.indexOf('es')], ';');
  const target = 1;
  const th = rows[0]!.indexOf('th');
  doc.setText(0, target, th, 'ทดสอบ; ใหม่');
  await withTempDir(async (dir) => {
    const out = path.join(dir, 'Language.csv');
    await doc.save(out);
    const before = (await readFile(source)).toString('utf8').split('\r\n');
    const after = (await readFile(out)).toString('utf8').split('\r\n');
    assert.equal(after.length, before.length);
    const differing = before.flatMap((line, i) => (line === after[i] ? [] : [i]));
    assert.deepEqual(differing, [target]);
    assert.ok(after[target].includes(';"ทดสอบ; ใหม่";'));
    assert.equal((await readCsvDocument(out, DEFAULT_READ_LIMITS)).sheets[0].rows[target]![th], 'ทดสอบ; ใหม่');
  });
});
