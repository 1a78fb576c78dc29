/**
 * The rows of a map job, read from a workbook's neutral view (workbook/sheet-model.ts): the table
 * whose header row holds every column the job sends (found in a scan's first rows), and per data
 * row the fields sent, streamed from the file (or from a document held whole).
 */
import { FanyiError } from '../errors.ts';
import { NON_TEXT, cellKey, heldRows, type SheetRow, type SheetTable, type SpreadsheetDocument, type WorkbookScan } from '../workbook/sheet-model.ts';

/** Where a map job's rows are: a sheet, its header row, and the columns by header. */
export interface MapTable {
  sheetIndex: number;
  sheetName: string;
  /** 0-based row of the headers; data rows follow it. */
  headerRow: number;
  /** Column index of each header the job uses. */
  columns: Record<string, number>;
  /** The last column holding anything, in any row: result columns go after it. */
  lastUsedCol: number;
}

/** A field's value as sent: text, a number (xlsx numeric cells), or null (empty, a date, a formula without a number). */
export type FieldValue = string | number | null;

export interface MapRow {
  /** 0-based row in the sheet. */
  rowIdx: number;
  /** The sent columns' values, in the order the job sends them. */
  fields: Record<string, FieldValue>;
  /** The `--id` column's value, else the row's number in the sheet (1-based, as a spreadsheet shows it: the header is row 1). */
  id: string | number;
  /** The `--group-by` column's value, when asked for. */
  group?: FieldValue;
}

/** Rows above the header (a title, a note) looked through for it. */
const HEADER_SEARCH_ROWS = 20;

/**
 * The first sheet (visible ones first) with a row among its first ones that holds every header in
 * `needed` (trimmed; case-insensitive when that is unambiguous). Throws naming the columns that
 * the closest row lacks, and the headers it has.
 */
export function findTable(document: Pick<SpreadsheetDocument, 'sheets'>, needed: readonly string[]): MapTable {
  const sheets = [...document.sheets].sort((a, b) => Number(a.hidden) - Number(b.hidden) || a.index - b.index);
  let closest: { sheet: SheetTable; missing: string[]; headers: string[] } | undefined;
  for (const sheet of sheets) {
    for (let headerRow = 0; headerRow < Math.min(sheet.rows.length, HEADER_SEARCH_ROWS); headerRow++) {
      const headers = (sheet.rows[headerRow] ?? []).map((v) => (typeof v === 'string' ? v.trim() : ''));
      if (!headers.some(Boolean)) continue;
      const columns: Record<string, number> = {};
      const missing = needed.filter((name) => {
        const col = columnOf(headers, name);
        if (col >= 0) columns[name] = col;
        return col < 0;
      });
      if (!missing.length) return { sheetIndex: sheet.index, sheetName: sheet.name, headerRow, columns, lastUsedCol: lastUsedColumn(sheet) };
      if (!closest || missing.length < closest.missing.length) closest = { sheet, missing, headers };
    }
  }
  if (!closest) throw new FanyiError('EMPTY_WORKBOOK', 'the file has no header row');
  const have = closest.headers.filter(Boolean).join(', ');
  throw new FanyiError('NO_SOURCE_COLUMN', `no column ${closest.missing.map((m) => `"${m}"`).join(', ')} in sheet "${closest.sheet.name}" (its columns: ${have}); the prompt's \${…} and --columns/--id must name headers of the file`);
}

/** The column of header `name`: exact, else case-insensitive when only one header matches; -1 when none does. */
export function columnOf(headers: readonly string[], name: string): number {
  const exact = headers.indexOf(name);
  if (exact >= 0) return exact;
  const folded = headers.flatMap((h, col) => (h.toLowerCase() === name.toLowerCase() ? [col] : []));
  return folded.length === 1 ? folded[0] : -1;
}

/** Over the rows held and, in a scanned sheet, the rows summarized. */
function lastUsedColumn(sheet: SheetTable): number {
  let last = Math.max(0, sheet.tail?.lastUsedColumn ?? 0);
  for (const cells of sheet.rows) {
    if (!cells) continue;
    for (let col = cells.length - 1; col > last; col--) {
      if (cells[col] !== null && cells[col] !== undefined) {
        last = col;
        break;
      }
    }
  }
  return last;
}

/** The columns a row is read for: those sent, and the `--id` and `--group-by` columns when asked for. */
export interface RowColumns {
  sent: readonly string[];
  idColumn?: string;
  groupColumn?: string;
}

/** The data rows below the header with at least one sent field filled, of a document held whole. */
export function* tableRows(document: Pick<SpreadsheetDocument, 'sheets'>, table: MapTable, columns: RowColumns): Generator<MapRow> {
  const sheet = document.sheets[table.sheetIndex];
  for (const cells of heldRows(sheet)) {
    const row = mapRow(sheet, table, columns, cells);
    if (row) yield row;
  }
}

/** The same, streamed from the file (a scan's rows): what a job of any size plans from. */
export async function* streamedTableRows(scan: WorkbookScan, table: MapTable, columns: RowColumns): AsyncGenerator<MapRow> {
  const sheet = scan.sheets[table.sheetIndex];
  for await (const cells of scan.rows(table.sheetIndex)) {
    const row = mapRow(sheet, table, columns, cells);
    if (row) yield row;
  }
}

/** A data row's fields, id and group; undefined above or at the header, or with every sent field empty. */
function mapRow(sheet: SheetTable, table: MapTable, { sent, idColumn, groupColumn }: RowColumns, row: SheetRow): MapRow | undefined {
  if (row.row <= table.headerRow) return undefined;
  const fields: Record<string, FieldValue> = {};
  let filled = false;
  for (const name of sent) {
    const value = fieldValue(sheet, row, table.columns[name]);
    fields[name] = value;
    if (value !== null && value !== '') filled = true;
  }
  if (!filled) return undefined;
  const id = idColumn ? fieldValue(sheet, row, table.columns[idColumn]) : null;
  const mapped: MapRow = { rowIdx: row.row, fields, id: id === null || id === '' ? row.row + 1 : id };
  if (groupColumn) mapped.group = fieldValue(sheet, row, table.columns[groupColumn]);
  return mapped;
}

/** A cell as sent: text, its number when Excel stored one (kept beside the row, or in the sheet's numbers), else null. */
function fieldValue(sheet: SheetTable, row: SheetRow, col: number): FieldValue {
  const value = row.cells[col];
  if (typeof value === 'string') return value;
  if (value === NON_TEXT) return row.numbers?.get(col) ?? sheet.numbers?.get(cellKey(row.row, col)) ?? null;
  return null;
}
