/**
 * The rows of a map job, read from a workbook's neutral view (workbook/sheet-model.ts): the table
 * whose header row holds every column the job sends, and per data row the fields sent.
 */
import { FanyiError } from '../errors.ts';
import { NON_TEXT, cellKey, type SheetTable, type SpreadsheetDocument } from '../workbook/sheet-model.ts';

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
export function findTable(document: SpreadsheetDocument, needed: readonly string[]): MapTable {
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

function lastUsedColumn(sheet: SheetTable): number {
  let last = 0;
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

/** The data rows below the header with at least one sent field filled; `groupColumn`: each row's value in it too. */
export function* tableRows(document: SpreadsheetDocument, table: MapTable, sent: readonly string[], idColumn?: string, groupColumn?: string): Generator<MapRow> {
  const sheet = document.sheets[table.sheetIndex];
  for (let rowIdx = table.headerRow + 1; rowIdx < sheet.rows.length; rowIdx++) {
    const fields: Record<string, FieldValue> = {};
    let filled = false;
    for (const name of sent) {
      const value = fieldValue(sheet, rowIdx, table.columns[name]);
      fields[name] = value;
      if (value !== null && value !== '') filled = true;
    }
    if (!filled) continue;
    const id = idColumn ? fieldValue(sheet, rowIdx, table.columns[idColumn]) : null;
    const row: MapRow = { rowIdx, fields, id: id === null || id === '' ? rowIdx + 1 : id };
    if (groupColumn) row.group = fieldValue(sheet, rowIdx, table.columns[groupColumn]);
    yield row;
  }
}

function fieldValue(sheet: SheetTable, row: number, col: number): FieldValue {
  const value = sheet.rows[row]?.[col];
  if (typeof value === 'string') return value;
  if (value === NON_TEXT) return sheet.numbers?.get(cellKey(row, col)) ?? null;
  return null;
}
