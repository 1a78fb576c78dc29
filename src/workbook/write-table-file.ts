/**
 * New table files made for people (the review list, a group job's one row per group): xlsx with
 * each table a sheet (header frozen, bold, filterable), or CSV of the first table, UTF-8 with a
 * BOM so Excel reads CJK text right, CRLF rows (RFC 4180), fields quoted as needed. A copy of a
 * source with edits is write-workbook.ts's job, not this.
 */
import { quoteField } from './csv/csv-parse.ts';
import { writeFileAtomic } from './csv/csv-write.ts';
import type { TableSheet } from './xlsx/table-sheet-xml.ts';
import { addFilteredTable } from './xlsx/filtered-table.ts';

/** True for a path written as CSV (`.csv`); anything else is written as xlsx. */
export function isCsvPath(file: string): boolean {
  return /\.csv$/i.test(file);
}

/** Writes `tables` to `file`: every table a sheet of an xlsx, or the first one alone as CSV. */
export async function writeTableFile(file: string, tables: readonly TableSheet[]): Promise<void> {
  if (isCsvPath(file)) await writeCsvTable(file, tables[0]);
  else await writeXlsxTables(file, tables);
}

async function writeCsvTable(file: string, table: TableSheet): Promise<void> {
  const lines = [table.columns.map((c) => c.header), ...table.rows].map((cells) => cells.map((cell) => quoteField(String(cell ?? ''), ',')).join(','));
  await writeFileAtomic(file, [Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8')]);
}

async function writeXlsxTables(file: string, tables: readonly TableSheet[]): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  for (const table of tables) addFilteredTable(workbook, table);
  await workbook.xlsx.writeFile(file);
}
