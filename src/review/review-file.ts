/**
 * The review list as a file of its own: with `--review PATH`, and beside a CSV output (a CSV
 * cannot hold a second sheet). xlsx by default, csv when the path ends `.csv`.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { quoteField } from '../workbook/csv/csv-parse.ts';
import { writeFileAtomic } from '../workbook/csv/csv-write.ts';
import { addFilteredTable } from '../workbook/xlsx/filtered-table.ts';
import { REVIEW_COLUMNS, REVIEW_SHEET_NAME, reviewCells, type ReviewRow } from './review-rows.ts';

/** `game.translated.csv` → `game.translated.review.xlsx` (xlsx: reviewers filter and comment in it). */
export function reviewPathFor(outPath: string): string {
  const ext = path.extname(outPath);
  return path.join(path.dirname(outPath), `${path.basename(outPath, ext)}.review.xlsx`);
}

/** True for the formats `--review` writes: `.xlsx`, or `.csv`. */
export function isReviewFileName(file: string): boolean {
  return /\.(xlsx|csv)$/i.test(file);
}

/**
 * Writes the list when there is something to review and returns its path; otherwise removes a
 * list an earlier run of the job left (it would name cells that are fine now) and returns null.
 */
export async function writeReviewFile(file: string, rows: readonly ReviewRow[]): Promise<string | null> {
  if (!rows.length) {
    await rm(file, { force: true });
    return null;
  }
  if (/\.csv$/i.test(file)) await writeCsv(file, rows);
  else await writeXlsx(file, rows);
  return file;
}

/** UTF-8 with a BOM, so Excel reads CJK text right; CRLF rows (RFC 4180); fields quoted as needed. */
async function writeCsv(file: string, rows: readonly ReviewRow[]): Promise<void> {
  const lines = [REVIEW_COLUMNS.map((c) => c.header), ...rows.map(reviewCells)].map((cells) => cells.map((cell) => quoteField(String(cell ?? ''), ',')).join(','));
  await writeFileAtomic(file, [Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8')]);
}

async function writeXlsx(file: string, rows: readonly ReviewRow[]): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  addFilteredTable(workbook, { name: REVIEW_SHEET_NAME, columns: REVIEW_COLUMNS, rows: rows.map(reviewCells) });
  await workbook.xlsx.writeFile(file);
}
