/**
 * The neutral view of a spreadsheet that analysis and splitting work on, whatever the file
 * format. Readers (xlsx/, csv/) build it; write-back goes through the same document object so
 * that only target cells' values ever change.
 */

/** Marks a cell that holds something other than text: number, date, boolean, formula, error. Never translated. */
export const NON_TEXT: unique symbol = Symbol('non-text');

/** A text cell's string, `null` for an empty cell, or {@link NON_TEXT}. */
export type CellValue = string | null | typeof NON_TEXT;

export interface SheetTable {
  readonly name: string;
  /** Position in the workbook, 0-based. */
  readonly index: number;
  readonly hidden: boolean;
  /** rows[r][c], 0-based; rows may be ragged or missing (treat as empty). */
  readonly rows: ReadonlyArray<ReadonlyArray<CellValue> | undefined>;
  /** Cell comments keyed by `${row}:${col}` (0-based). */
  readonly comments: ReadonlyMap<string, string>;
  /**
   * Values of numeric cells (and of formulas with a numeric result), keyed like `comments`. Their
   * `rows` entry stays {@link NON_TEXT}, so they are never translated; context reads them (a
   * max-length column holding 12 as a number). Absent where the format has no numbers (CSV).
   */
  readonly numbers?: ReadonlyMap<string, number>;
  /** Merged ranges, 0-based inclusive. */
  readonly merges: ReadonlyArray<{ top: number; left: number; bottom: number; right: number }>;
}

export type DocumentFormat = 'xlsx' | 'csv';

export interface SpreadsheetDocument {
  readonly format: DocumentFormat;
  readonly sheets: readonly SheetTable[];
  /** Sets a target cell's text. Only ever called for target cells; everything else stays as read. */
  setText(sheetIndex: number, row: number, col: number, text: string): void;
  /** Writes the document (with the changes made) to `path`, in the format and encoding it was read in. */
  save(path: string): Promise<void>;
}

export interface ReadLimits {
  /** Largest input file in bytes. */
  maxFileBytes: number;
  /** Largest total uncompressed size of an xlsx (zip bomb guard). */
  maxUncompressedBytes: number;
  /** Most non-empty cells in the whole document. */
  maxCells: number;
  /** `system.max_memory_usage` in bytes: a file whose reading and planning would need more is refused before it is read; absent, no bound. */
  maxMemoryBytes?: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxFileBytes: 200 * 1024 * 1024,
  maxUncompressedBytes: 1024 * 1024 * 1024,
  maxCells: 5_000_000,
};

export const cellKey = (row: number, col: number): string => `${row}:${col}`;

/** Rows whose first cell starts with `##` are comments in Luban-style tables. */
export function isDataRow(cells: ReadonlyArray<CellValue> | undefined): boolean {
  return !(typeof cells?.[0] === 'string' && cells[0].startsWith('##'));
}

/** Up to `max` non-empty text cells of a column from `firstRow` down: what a language guess reads. */
export function columnTexts(sheet: SheetTable, firstRow: number, col: number, max = 200): string[] {
  const texts: string[] = [];
  for (let row = firstRow; row < sheet.rows.length && texts.length < max; row++) {
    const value = sheet.rows[row]?.[col];
    if (typeof value === 'string' && value.trim()) texts.push(value);
  }
  return texts;
}

/** Non-empty text cells of a column in data rows from `firstRow` down. */
export function countFilled(sheet: SheetTable, firstRow: number, col: number): number {
  let filled = 0;
  for (let row = firstRow; row < sheet.rows.length; row++) {
    const cells = sheet.rows[row];
    const value = cells?.[col];
    if (typeof value === 'string' && value.trim() && isDataRow(cells)) filled++;
  }
  return filled;
}
