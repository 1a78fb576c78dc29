/**
 * The report workbook (exceljs), made for an analyst opening it in Excel: a Summary sheet that
 * says what was counted and links to the rest; per counted field a counts sheet (per group: a
 * table group × value when the field has few values, else one line per group and value) and a
 * rows sheet (one line per row and value, filterable, each row number linking to the row in
 * `Rows`); and `Rows`, every row with its key columns and its whole result.
 */
import type ExcelJS from 'exceljs';
import type { StatusCounts } from '../store/job-store.ts';
import { writeFileAtomic } from '../workbook/csv/csv-write.ts';
import { addFilteredTable } from '../workbook/xlsx/filtered-table.ts';
import { valueText } from './report-fields.ts';
import type { FieldSummary, ReportRow, RowsSummary } from './summarise-rows.ts';

/** A field with at most this many values gets a table group × value; more, one line per group and value. */
export const PIVOT_MAX_VALUES = 20;
/** Excel's last row, less the header. */
const MAX_SHEET_ROWS = 1_048_575;
/** Excel's limit on the characters of one cell. */
const MAX_CELL_CHARS = 32_767;
export const ROWS_SHEET = 'Rows';
export const SUMMARY_SHEET = 'Summary';

/** What the report is about, for its Summary sheet. */
export interface ReportMeta {
  jobId: string;
  sourceName: string;
  sheetName: string;
  lane: string;
  /** The grouping column (a product id); undefined: all rows are one group, no group lines. */
  by?: string;
  /** The job's tasks by status when the report was made (a partly finished job says so). */
  counts: StatusCounts;
  /** The columns the job sent, shown beside each row. */
  keyColumns: string[];
  /** The result's top-level properties, in the schema's order. */
  resultColumns: string[];
  generatedAt: Date;
}

/** A sheet written, and its data lines (header not counted). */
export interface ReportSheet {
  name: string;
  rows: number;
}

type Cell = string | number | null;

/** Writes the workbook to `file` (atomically) and returns its sheets. */
export async function writeReportWorkbook(file: string, meta: ReportMeta, rows: readonly ReportRow[], summary: RowsSummary): Promise<ReportSheet[]> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.created = meta.generatedAt;
  const names = new SheetNames();
  const summarySheet = workbook.addWorksheet(names.take(SUMMARY_SHEET));
  const rowsName = names.take(ROWS_SHEET);
  const sheets: ReportSheet[] = [];
  const linkRow = rowLinks(rows, rowsName);
  const perField = summary.fields.map((field) => {
    const counts = addCountsSheet(workbook, names.take(`${field.field.name} counts`), field, summary, meta);
    const listed = addMentionsSheet(workbook, names.take(`${field.field.name} rows`), field, meta, linkRow);
    sheets.push(counts, listed);
    return { field, counts: counts.name, rows: listed.name };
  });
  sheets.push(addRowsSheet(workbook, rowsName, rows, meta));
  fillSummary(summarySheet, meta, rows.length, summary, perField);
  sheets.unshift({ name: summarySheet.name, rows: summarySheet.rowCount });
  await writeFileAtomic(file, [Buffer.from(await workbook.xlsx.writeBuffer())]);
  return sheets;
}

/** Counts per group: a table group × value (few values), or one line per group and value. */
function addCountsSheet(workbook: ExcelJS.Workbook, name: string, field: FieldSummary, summary: RowsSummary, meta: ReportMeta): ReportSheet {
  const groups = meta.by ? summary.groups : [];
  const byHeader = meta.by ?? 'Group';
  const all = { name: 'All', rows: summary.groups.reduce((sum, g) => sum + g.rows, 0), counts: field.totals };
  const lines = [all, ...groups.map((g) => ({ ...g, counts: field.byGroup.get(g.name) ?? new Map<string, number>() }))];
  if (field.values.length <= PIVOT_MAX_VALUES) {
    const columns = [{ header: byHeader, width: 18 }, { header: 'Rows', width: 8 }, ...field.values.map((v) => ({ header: v, width: Math.min(30, Math.max(10, v.length + 2)) }))];
    const table = lines.map((l): Cell[] => [cellOf(l.name), l.rows, ...field.values.map((v) => l.counts.get(v) ?? 0)]);
    addFilteredTable(workbook, { name, columns, rows: table });
    return { name, rows: table.length };
  }
  const columns = [{ header: byHeader, width: 18 }, { header: field.field.name, width: 40 }, { header: 'Rows', width: 8 }, { header: `Share of ${meta.by ? `the ${meta.by}'s` : 'all'} rows`, width: 14 }];
  const table = lines.flatMap((l) =>
    [...l.counts]
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([value, n]): Cell[] => [cellOf(l.name), value, n, l.rows ? n / l.rows : 0]),
  );
  const sheet = addFilteredTable(workbook, { name, columns, rows: capped(table) });
  sheet.getColumn(4).numFmt = '0.0%';
  return { name, rows: Math.min(table.length, MAX_SHEET_ROWS) };
}

/** One line per (row, value), in the field's value order: the rows behind each count. */
function addMentionsSheet(workbook: ExcelJS.Workbook, name: string, field: FieldSummary, meta: ReportMeta, linkRow: (row: ReportRow) => string): ReportSheet {
  const order = new Map(field.values.map((v, i) => [v, i]));
  const mentions = [...field.mentions].sort((a, b) => order.get(a.value)! - order.get(b.value)! || a.row.row - b.row.row);
  const columns = [{ header: field.field.name, width: 24 }, ...(meta.by ? [{ header: meta.by, width: 16 }] : []), { header: 'Row', width: 7 }, { header: 'Id', width: 10 }, ...keyColumns(meta)];
  const table = capped(mentions).map(({ row, value }): Cell[] => [value, ...(meta.by ? [cellOf(row.group)] : []), row.row, cellOf(row.id), ...meta.keyColumns.map((k) => cellOf(row.keys[k]))]);
  const sheet = addFilteredTable(workbook, { name, columns, rows: table });
  const rowCol = meta.by ? 3 : 2;
  capped(mentions).forEach(({ row }, i) => (sheet.getCell(i + 2, rowCol).value = { text: String(row.row), hyperlink: linkRow(row) }));
  return { name, rows: table.length };
}

/** Every row: its number, id, group, key columns and whole result (lists joined with `; `). */
function addRowsSheet(workbook: ExcelJS.Workbook, name: string, rows: readonly ReportRow[], meta: ReportMeta): ReportSheet {
  const columns = [{ header: 'Row', width: 7 }, { header: 'Id', width: 10 }, ...(meta.by ? [{ header: meta.by, width: 16 }] : []), ...keyColumns(meta), ...meta.resultColumns.map((c) => ({ header: c, width: 24 }))];
  const table = capped(rows).map((row): Cell[] => [row.row, cellOf(row.id), ...(meta.by ? [cellOf(row.group)] : []), ...meta.keyColumns.map((k) => cellOf(row.keys[k])), ...meta.resultColumns.map((c) => resultCell(row.result[c]))]);
  addFilteredTable(workbook, { name, columns, rows: table });
  return { name, rows: table.length };
}

function fillSummary(sheet: ExcelJS.Worksheet, meta: ReportMeta, rowCount: number, summary: RowsSummary, perField: Array<{ field: FieldSummary; counts: string; rows: string }>): void {
  const c = meta.counts;
  const facts: Array<[string, Cell]> = [
    ['Job', meta.jobId],
    ['Source', `${meta.sourceName}, sheet ${meta.sheetName}`],
    ['Lane', meta.lane],
    ['Rows counted', `${rowCount} of ${c.total} (completed ${c.completed}, needs review ${c.needs_review}, failed ${c.failed}, not done yet ${c.pending + c.processing})`],
    ['Grouped by', meta.by ? `${meta.by} (${summary.groups.length} values)` : 'nothing (no --by column; all rows in one group)'],
    ['Made', meta.generatedAt.toISOString()],
  ];
  sheet.columns = [{ width: 18 }, { width: 16 }, { width: 12 }, { width: 16 }, { width: 60 }, { width: 22 }, { width: 22 }];
  for (const [key, value] of facts) sheet.addRow([key, value]).getCell(1).font = { bold: true };
  sheet.addRow([]);
  sheet.addRow(['Field', 'Counted as', 'Values', 'Rows with none', 'Most frequent (rows)', 'Counts', 'Rows behind them']).font = { bold: true };
  for (const { field, counts, rows } of perField) {
    const top = field.values.map((v) => [v, field.totals.get(v) ?? 0] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
    const line = sheet.addRow([field.field.name, field.field.kind, field.values.length, field.emptyRows, top.map(([v, n]) => `${v} (${n})`).join(', ')]);
    line.getCell(6).value = { text: counts, hyperlink: sheetLink(counts) };
    line.getCell(7).value = { text: rows, hyperlink: sheetLink(rows) };
  }
  if (!summary.skipped.length) return;
  sheet.addRow([]);
  sheet.addRow(['Not counted', 'Why']).font = { bold: true };
  for (const s of summary.skipped) sheet.addRow([s.name, s.reason]);
}

/** The link of each row to its line in the Rows sheet (rows listed in the order given). */
function rowLinks(rows: readonly ReportRow[], rowsSheet: string): (row: ReportRow) => string {
  const line = new Map(rows.map((r, i) => [r, i + 2]));
  return (row) => `${quoteSheet(rowsSheet)}!A${line.get(row)}`;
}

function sheetLink(name: string): string {
  return `${quoteSheet(name)}!A1`;
}

function quoteSheet(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

function keyColumns(meta: ReportMeta) {
  return meta.keyColumns.map((k) => ({ header: k, width: Math.min(60, Math.max(10, k.length + 2)) }));
}

/** A value as a cell: a CSV's numbers (read as text) become numbers, so Excel sorts and filters them as such; `007` stays text. */
function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  const text = String(value);
  return PLAIN_NUMBER.test(text) ? Number(text) : clip(text);
}

/** A decimal Excel keeps exactly: no leading zero, at most 15 digits. */
const PLAIN_NUMBER = /^-?(0|[1-9]\d{0,14})(\.\d{1,6})?$/;

function resultCell(value: unknown): Cell {
  if (Array.isArray(value)) return clip(value.map(valueText).join('; '));
  if (value !== null && typeof value === 'object') return clip(JSON.stringify(value));
  return cellOf(value);
}

function clip(text: string): string {
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}

function capped<T>(list: readonly T[]): readonly T[] {
  return list.length > MAX_SHEET_ROWS ? list.slice(0, MAX_SHEET_ROWS) : list;
}

/** Sheet names Excel accepts: no `[]:*?/\`, at most 31 characters, unique case-insensitively. */
class SheetNames {
  readonly #used = new Set<string>();

  take(wanted: string): string {
    const clean = wanted.replace(/[[\]:*?/\\]/g, '_').replace(/^'+|'+$/g, '').trim() || 'Sheet';
    for (let n = 1; ; n++) {
      const suffix = n === 1 ? '' : ` (${n})`;
      const name = `${clean.slice(0, 31 - suffix.length)}${suffix}`;
      if (!this.#used.has(name.toLowerCase())) {
        this.#used.add(name.toLowerCase());
        return name;
      }
    }
  }
}
