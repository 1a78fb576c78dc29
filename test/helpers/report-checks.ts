/**
 * For report tests: a slice of the real review file, the map results as the task table stores
 * them, the counts those results imply (computed here, independently of src/report), and a
 * report workbook's sheets read back with exceljs.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parseCsv } from '../../src/workbook/csv/csv-parse.ts';
import { withReadonlyDb } from './read-db.ts';
import { realDataPath } from './real-data.ts';

export const REVIEWS = 'reviews-amazon-fine-food/fine_food_reviews_1k.csv';

/** The header and the first `rows` reviews of the real file, as a CSV in `dir`; each row's ProductId by 0-based sheet row. */
export async function writeReviewSlice(dir: string, rows: number): Promise<{ file: string; productOf: (rowIdx: number) => string }> {
  const text = (await readFile(realDataPath(REVIEWS), 'utf8')).replace(/^\uFEFF/, '');
  const records = parseCsv(text, ',', { maxRecords: rows + 1 }).records;
  const file = path.join(dir, `reviews-${rows}.csv`);
  await writeFile(file, `${records.map((r) => r.raw).join('\n')}\n`);
  const col = records[0].fields.indexOf('ProductId');
  return { file, productOf: (rowIdx) => records[rowIdx].fields[col] };
}

export interface StoredResult {
  rowIdx: number;
  result: Record<string, unknown>;
}

/** The job's results as stored; the job must have none in review or failed, so these are exactly what its output holds. */
export function storedResults(db: string, jobId: string): StoredResult[] {
  return withReadonlyDb(db, (d) => {
    const open = d.prepare("SELECT COUNT(*) AS n FROM tasks WHERE job_id = ? AND status <> 'completed'").get(jobId) as { n: number };
    assert.equal(open.n, 0, 'every task completed');
    const rows = d.prepare('SELECT row_idx, result FROM tasks WHERE job_id = ? ORDER BY row_idx').all(jobId) as Array<{ row_idx: number; result: string }>;
    return rows.map((r) => ({ rowIdx: r.row_idx, result: JSON.parse(r.result) as Record<string, unknown> }));
  });
}

/** Rows per (group, value) of `field`: a list's element counts once per row. `group` '' for all rows together. */
export function expectedCounts(results: readonly StoredResult[], field: string, groupOf: (rowIdx: number) => string): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  const add = (group: string, value: string) => {
    const values = counts.get(group) ?? new Map<string, number>();
    values.set(value, (values.get(value) ?? 0) + 1);
    counts.set(group, values);
  };
  for (const { rowIdx, result } of results) {
    const raw = result[field];
    const values = new Set((Array.isArray(raw) ? raw : [raw]).filter((v) => v !== null && v !== undefined && v !== '').map(String));
    for (const value of values) {
      add('', value);
      add(groupOf(rowIdx), value);
    }
  }
  return counts;
}

/** Each sheet's rows as plain values (a hyperlink as its text), header first. */
export async function readReport(file: string): Promise<Map<string, unknown[][]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const sheets = new Map<string, unknown[][]>();
  for (const sheet of workbook.worksheets) {
    const rows = sheet.getSheetValues().slice(1).map((r) => ((r ?? []) as unknown[]).slice(1).map((v) => (v && typeof v === 'object' && 'text' in v ? (v as { text: unknown }).text : v)));
    sheets.set(sheet.name, rows);
  }
  return sheets;
}

/**
 * Checks a counts sheet (a table group × value: `All`, then one line per group) against the
 * stored results: every count, a line for every group with a value, and no value the results lack. Group names are
 * compared as text (a numeric product id is a number in the sheet).
 */
export function assertPivotCounts(sheet: unknown[][], expected: Map<string, Map<string, number>>): void {
  const [header, ...lines] = sheet;
  const values = header.slice(2) as string[];
  // A group whose rows hold no value of the field has a line of zeros (checked below with the rest).
  const groups = new Set(lines.map((l) => String(l[0])));
  for (const group of ['All', ...[...expected.keys()].filter(Boolean)]) assert.ok(groups.has(group), `a line for ${group}`);
  for (const line of lines) {
    const want = expected.get(line[0] === 'All' ? '' : String(line[0])) ?? new Map();
    const got = new Map(values.map((v, i) => [v, line[i + 2] as number]).filter(([, n]) => (n as number) > 0) as Array<[string, number]>);
    assert.deepEqual(got, want, `counts of ${String(line[0])}`);
  }
}
