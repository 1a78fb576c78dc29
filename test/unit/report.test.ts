/**
 * `fanyi report`'s parts: which schema fields are counted and why the others are not, the
 * counting (enum values per row, list elements once per row and case-folded, repeating strings
 * as categories, free text left out) per group, and the workbook read back with exceljs: counts
 * tables, the rows behind them linked to the Rows sheet.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { reportFields, type ReportField } from '../../src/report/report-fields.ts';
import { PIVOT_MAX_VALUES, writeReportWorkbook, type ReportMeta } from '../../src/report/report-workbook.ts';
import { summariseRows, type ReportRow } from '../../src/report/summarise-rows.ts';

const INSIGHTS_SCHEMA = JSON.parse(readFileSync(new URL('../../recipes/review-insights/schema.json', import.meta.url), 'utf8'));

const temp = mkdtempSync(path.join(tmpdir(), 'fanyi-report-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function row(n: number, group: string, result: Record<string, unknown>): ReportRow {
  return { row: n + 1, id: `R${n}`, group, keys: { Score: n % 5, Text: `review ${n}` }, result };
}

const field = (fields: ReportField[], name: string) => fields.find((f) => f.name === name)!;

describe('reportFields', () => {
  test("the insights recipe: sentiment by its enum, the two lists by element, language as a possible category", () => {
    const { fields, skipped } = reportFields(INSIGHTS_SCHEMA);
    assert.deepEqual(
      fields.map((f) => [f.name, f.kind]),
      [['sentiment', 'enum'], ['pain_points', 'array'], ['praised_aspects', 'array'], ['language', 'category']],
    );
    assert.deepEqual(field(fields, 'sentiment').values, ['positive', 'neutral', 'negative', 'mixed']);
    assert.deepEqual(skipped, []);
  });

  test('booleans, $refs and nullable types are counted; objects, numbers and lists of objects are named with the reason', () => {
    const schema = {
      type: 'object',
      $defs: { mood: { enum: ['up', 'down'] } },
      properties: {
        mood: { $ref: '#/$defs/mood' },
        spam: { type: 'boolean' },
        label: { type: ['string', 'null'] },
        tags: { type: 'array', items: { $ref: '#/$defs/mood' } },
        score: { type: 'number' },
        detail: { type: 'object', properties: { a: { type: 'string' } } },
        pairs: { type: 'array', items: { type: 'object' } },
      },
    };
    const { fields, skipped } = reportFields(schema);
    assert.deepEqual(fields.map((f) => `${f.name}:${f.kind}`), ['mood:enum', 'spam:boolean', 'label:category', 'tags:array']);
    assert.deepEqual(field(fields, 'mood').values, ['up', 'down']);
    assert.deepEqual(skipped.map((s) => s.name), ['score', 'detail', 'pairs']);
    assert.match(skipped[0].reason, /number/);
    assert.match(skipped[1].reason, /object/);
  });
});

describe('summariseRows', () => {
  const { fields } = reportFields(INSIGHTS_SCHEMA);
  const rows = [
    row(1, 'P1', { sentiment: 'positive', pain_points: [], praised_aspects: ['Taste', 'price', ' taste '], language: 'en' }),
    row(2, 'P1', { sentiment: 'negative', pain_points: ['stale', 'Stale'], praised_aspects: ['price'], language: 'en' }),
    row(3, 'P2', { sentiment: 'positive', pain_points: ['packaging'], praised_aspects: ['taste'], language: 'en' }),
    row(4, 'P2', { sentiment: 'positive', pain_points: ['stale'], praised_aspects: [], language: 'es' }),
    row(5, 'P3', { sentiment: 'mixed', praised_aspects: ['TASTE'], language: 'en' }),
  ];
  const summary = summariseRows(fields, rows);
  const counted = (name: string) => summary.fields.find((f) => f.field.name === name)!;

  test('groups, most rows first', () => {
    assert.deepEqual(summary.groups, [{ name: 'P1', rows: 2 }, { name: 'P2', rows: 2 }, { name: 'P3', rows: 1 }]);
  });

  test("an enum: every value of the schema, in its order, zero counts kept; per group", () => {
    const sentiment = counted('sentiment');
    assert.deepEqual(sentiment.values, ['positive', 'neutral', 'negative', 'mixed']);
    assert.deepEqual(Object.fromEntries(sentiment.totals), { positive: 3, neutral: 0, negative: 1, mixed: 1 });
    assert.deepEqual(Object.fromEntries(sentiment.byGroup.get('P2')!), { positive: 2 });
    assert.equal(sentiment.mentions.length, 5);
  });

  test('a list: each element once per row, case and spaces folded, shown as first written; empty lists counted as rows with none', () => {
    const praised = counted('praised_aspects');
    assert.deepEqual(Object.fromEntries(praised.totals), { Taste: 3, price: 2 });
    assert.deepEqual(praised.values, ['Taste', 'price']);
    assert.deepEqual(Object.fromEntries(praised.byGroup.get('P1')!), { Taste: 1, price: 2 });
    assert.equal(praised.emptyRows, 1);
    const pains = counted('pain_points');
    assert.deepEqual(Object.fromEntries(pains.totals), { stale: 2, packaging: 1 });
    assert.equal(pains.emptyRows, 2, 'an empty list and an absent property');
    assert.deepEqual(pains.mentions.map((m) => [m.row.row, m.value]), [[3, 'stale'], [4, 'packaging'], [5, 'stale']]);
  });

  test('a string whose values repeat is a category; one with a value per row is free text, named as not counted', () => {
    assert.deepEqual(Object.fromEntries(counted('language').totals), { en: 4, es: 1 });
    const free = summariseRows([{ name: 'note', kind: 'category', values: [] }], rows.map((r, i) => ({ ...r, result: { note: `note ${i}` } })));
    assert.deepEqual(free.fields, []);
    assert.equal(free.skipped[0].name, 'note');
    assert.match(free.skipped[0].reason, /free text: 5 distinct values in 5 rows/);
  });
});

describe('writeReportWorkbook', () => {
  const meta = (by?: string): ReportMeta => ({
    jobId: 'job_x',
    sourceName: 'reviews.csv',
    sheetName: 'reviews',
    lane: 'insight_extraction',
    by,
    counts: { total: 7, completed: 5, needs_review: 0, failed: 1, pending: 1, processing: 0 },
    keyColumns: ['Score', 'Text'],
    resultColumns: ['sentiment', 'pain_points', 'praised_aspects', 'language'],
    generatedAt: new Date('2026-01-02T03:04:05Z'),
  });
  const { fields } = reportFields(INSIGHTS_SCHEMA);
  const rows = [
    row(1, 'P1', { sentiment: 'positive', pain_points: [], praised_aspects: ['taste'], language: 'en' }),
    row(2, 'P1', { sentiment: 'negative', pain_points: ['stale'], praised_aspects: [], language: 'en' }),
    row(3, 'P2', { sentiment: 'positive', pain_points: ['stale'], praised_aspects: ['taste'], language: 'en' }),
  ];

  async function written(file: string, by: string | undefined, list = rows) {
    const sheets = await writeReportWorkbook(file, meta(by), list, summariseRows(fields, list));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    return { sheets, workbook };
  }

  const values = (sheet: ExcelJS.Worksheet) => sheet.getSheetValues().slice(1).map((r) => (r as unknown[]).slice(1).map((v) => (v && typeof v === 'object' && 'text' in v ? v.text : v)));

  test('sheets: Summary, counts and rows per counted field, Rows; the sheets listed are the sheets written', async () => {
    const { sheets, workbook } = await written(path.join(temp, 'a.xlsx'), 'ProductId');
    const names = workbook.worksheets.map((s) => s.name);
    assert.deepEqual(names, ['Summary', 'sentiment counts', 'sentiment rows', 'pain_points counts', 'pain_points rows', 'praised_aspects counts', 'praised_aspects rows', 'language counts', 'language rows', 'Rows']);
    assert.deepEqual(sheets.map((s) => s.name), names);
    for (const s of sheets.slice(1)) assert.equal(workbook.getWorksheet(s.name)!.rowCount - 1, s.rows, s.name);
  });

  test('a field with few values: a table group × value with an All line; the rows behind it link to Rows', async () => {
    const { workbook } = await written(path.join(temp, 'b.xlsx'), 'ProductId');
    assert.deepEqual(values(workbook.getWorksheet('sentiment counts')!), [
      ['ProductId', 'Rows', 'positive', 'neutral', 'negative', 'mixed'],
      ['All', 3, 2, 0, 1, 0],
      ['P1', 2, 1, 0, 1, 0],
      ['P2', 1, 1, 0, 0, 0],
    ]);
    const behind = workbook.getWorksheet('pain_points rows')!;
    assert.deepEqual(values(behind), [
      ['pain_points', 'ProductId', 'Row', 'Id', 'Score', 'Text'],
      ['stale', 'P1', '3', 'R2', 2, 'review 2'],
      ['stale', 'P2', '4', 'R3', 3, 'review 3'],
    ]);
    const link = behind.getCell('C3').value as { hyperlink: string };
    assert.equal(link.hyperlink, "'Rows'!A4");
    assert.deepEqual(values(workbook.getWorksheet('Rows')!)[3], [4, 'R3', 'P2', 3, 'review 3', 'positive', 'stale', 'taste', 'en']);
  });

  test(`a field with more than ${PIVOT_MAX_VALUES} values: one line per group and value, with its share of the group's rows`, async () => {
    const many = Array.from({ length: 30 }, (_, i) => row(i, i < 20 ? 'P1' : 'P2', { sentiment: 'positive', pain_points: [`p${i}`, 'common'], praised_aspects: [], language: 'en' }));
    const { workbook } = await written(path.join(temp, 'c.xlsx'), 'ProductId', many);
    const lines = values(workbook.getWorksheet('pain_points counts')!);
    assert.deepEqual(lines[0], ['ProductId', 'pain_points', 'Rows', "Share of the ProductId's rows"]);
    assert.deepEqual(lines[1], ['All', 'common', 30, 1]);
    assert.deepEqual(lines.find((l) => l[0] === 'P2' && l[1] === 'common'), ['P2', 'common', 10, 1]);
    assert.equal(lines.filter((l) => l[0] === 'P1').length, 21);
  });

  test('without a group column: only the All line, no group column anywhere', async () => {
    const { workbook } = await written(path.join(temp, 'd.xlsx'), undefined);
    assert.deepEqual(values(workbook.getWorksheet('sentiment counts')!), [
      ['Group', 'Rows', 'positive', 'neutral', 'negative', 'mixed'],
      ['All', 3, 2, 0, 1, 0],
    ]);
    assert.deepEqual(values(workbook.getWorksheet('Rows')!)[0], ['Row', 'Id', 'Score', 'Text', 'sentiment', 'pain_points', 'praised_aspects', 'language']);
  });
});
