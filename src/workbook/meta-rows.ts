/**
 * Meta rows of game-data tables: the rows between the header and the data that describe the
 * columns instead of holding content. Read from their cells, never from a game's names:
 *   type row      `int | string | string[]` — what each column holds; a `string[]` cell says the
 *                 column's cells are lists (`軽傷,重傷`), whose items a translation must keep apart.
 *   defaults row  right under a type row, no key, while every row below has one: the values a
 *                 loader uses for empty cells (Elin's third row, `個` in a `unit` column).
 *   `##` rows     Luban's comment rows.
 */
import { FanyiError } from '../errors.ts';
import { isDataRow, type CellValue, type SheetTable } from './sheet-model.ts';

const TYPE_ROW_CELL = /^(string|int|long|float|double|bool|boolean|byte|short|uint|ulong|text|number|int32|int64|element|elements|vector[234]?|(string|int|float|long|bool|double)\[\]|list<.*>|array<.*>|map<.*>|\*|-)$/i;
/** A list of texts: its cells are separator-joined items, not one text. */
const TEXT_LIST_TYPE = /^(string\s*\[\s*\]|list<\s*string\s*>|array<\s*string\s*>)$/i;
/** What separates the items of a list cell. */
export const LIST_SEPARATOR = /[,;|]/;

export interface MetaRows {
  /** The first row of content. */
  firstDataRow: number;
  /** Columns a type row declares as lists of strings (`string[]`). */
  listColumns: number[];
}

const textsOf = (cells: ReadonlyArray<CellValue> | undefined): string[] =>
  (cells ?? []).filter((v): v is string => typeof v === 'string').map((t) => t.trim()).filter(Boolean);

/** Mostly type names: a few custom types (`elements`) do not make it a data row. */
export function isTypeRow(cells: ReadonlyArray<CellValue> | undefined): boolean {
  const texts = textsOf(cells);
  const types = texts.filter((text) => TYPE_ROW_CELL.test(text)).length;
  return texts.length > 0 && (types === texts.length || (types >= 2 && types >= texts.length * 0.6));
}

function isMetaRow(cells: ReadonlyArray<CellValue> | undefined): boolean {
  return textsOf(cells).length > 0 && (!isDataRow(cells) || isTypeRow(cells));
}

/** The meta rows under `headerRow`: where content starts and which columns hold lists. */
export function readMetaRows(sheet: SheetTable, headerRow: number, keyCol: number): MetaRows {
  let row = headerRow + 1;
  const listColumns = new Set<number>();
  for (; row < sheet.rows.length && isMetaRow(sheet.rows[row]); row++) {
    if (!isTypeRow(sheet.rows[row])) continue;
    (sheet.rows[row] ?? []).forEach((cell, col) => typeof cell === 'string' && TEXT_LIST_TYPE.test(cell.trim()) && listColumns.add(col));
  }
  const underType = row > headerRow + 1 && isTypeRow(sheet.rows[row - 1]);
  if (underType && isDefaultsRow(sheet, row, keyCol)) row++;
  return { firstDataRow: row, listColumns: [...listColumns] };
}

const isFilled = (value: CellValue | undefined): boolean => value !== null && value !== undefined && (typeof value !== 'string' || !!value.trim());
const hasContent = (cells: ReadonlyArray<CellValue> | undefined): boolean => !!cells?.some(isFilled);

/**
 * A row with values but no key, when every later row with content has a key: nothing a loader
 * can look up, so it is the defaults row. A sheet whose keys are sparse keeps the row as data:
 * without keys below, a defaults row cannot be told from content.
 */
function isDefaultsRow(sheet: SheetTable, row: number, keyCol: number): boolean {
  const cells = sheet.rows[row];
  if (!hasContent(cells) || isFilled(cells?.[keyCol])) return false;
  const below = sheet.rows.slice(row + 1).filter(hasContent);
  const tail = sheet.tail ?? { contentRows: 0, filledRows: () => 0 };
  return below.length + tail.contentRows > 0 && below.every((r) => isFilled(r?.[keyCol])) && tail.filledRows(keyCol) === tail.contentRows;
}

/**
 * A header row that is a type row means the real header is missing or below: any reading of the
 * columns would be a guess.
 */
export function assertNotTypeRow(sheet: SheetTable, headerRow: number): void {
  const cells = sheet.rows[headerRow];
  if (!isTypeRow(cells)) return;
  const sample = textsOf(cells).slice(0, 4).join(', ');
  throw new FanyiError(
    'BAD_LAYOUT',
    `sheet '${sheet.name}': row ${headerRow + 1} holds column types (${sample}), not column names; put the header row (name_JP, name, …) above it`,
  );
}
