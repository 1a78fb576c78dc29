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
  /**
   * The rows past `rows`, summarized instead of held (a sheet scanned for planning: see
   * sheet-sample.ts); absent when `rows` holds the whole sheet. Analysis reads the sheet through
   * the helpers below, which count both.
   */
  readonly tail?: RowSummary;
}

/** One row as a reader streams it. */
export interface SheetRow {
  /** 0-based. */
  row: number;
  /** cells[c], 0-based; holes are empty cells. */
  cells: readonly CellValue[];
  /** Numeric values by column (numbers and numeric formula results); absent: see the sheet's `numbers`. */
  numbers?: ReadonlyMap<number, number>;
}

/**
 * A workbook read for planning, at any size: each sheet's first rows and a summary of the rest
 * (what analysis reads), and its rows streamed again from the file for the split. Nothing holds
 * every row.
 */
export interface WorkbookScan {
  readonly format: DocumentFormat;
  readonly sheets: readonly SheetTable[];
  /** The sheet's rows from the file (or the rows held), in ascending order. */
  rows(sheetIndex: number): AsyncIterable<SheetRow>;
}

/** What analysis needs of the rows a scanned sheet does not hold (implemented by sheet-sample.ts's TailSummary). */
export interface RowSummary {
  /** Rows of the whole sheet: the last row's index + 1. */
  readonly rowCount: number;
  /** Last column holding anything in the summarized rows; -1 for none. */
  readonly lastUsedColumn: number;
  /** Rows with at least one filled cell (text that is not blank, or a non-text value). */
  readonly contentRows: number;
  /** Non-blank text cells of a column in data rows (see isDataRow). */
  filledText(col: number): number;
  /** Rows whose cell in `col` is filled (text that is not blank, or a non-text value). */
  filledRows(col: number): number;
  /** The first non-blank texts of a column, up to a few hundred. */
  texts(col: number): readonly string[];
  /** Whether any cell of the column holds anything (a blank string too). */
  isUsed(col: number): boolean;
  /** Whether some row has text (blank included) in `source` and nothing (or blank text) in `col`. */
  hasGap(source: number, col: number): boolean;
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

/** The rows a sheet holds, as a reader streams them (rows that are missing are skipped). */
export function* heldRows(sheet: SheetTable): Generator<SheetRow> {
  for (let row = 0; row < sheet.rows.length; row++) {
    const cells = sheet.rows[row];
    if (cells) yield { row, cells };
  }
}

/** A document held whole, as a scan: its rows streamed from memory. */
export function heldScan(document: Pick<SpreadsheetDocument, 'format' | 'sheets'>): WorkbookScan {
  return {
    format: document.format,
    sheets: document.sheets,
    async *rows(sheetIndex) {
      yield* heldRows(document.sheets[sheetIndex]);
    },
  };
}

/** Rows of the sheet, held or summarized. */
export function rowCount(sheet: SheetTable): number {
  return Math.max(sheet.rows.length, sheet.tail?.rowCount ?? 0);
}

/** Up to `max` non-empty text cells of a column from `firstRow` down: what a language guess reads. */
export function columnTexts(sheet: SheetTable, firstRow: number, col: number, max = 200): string[] {
  const texts: string[] = [];
  for (let row = firstRow; row < sheet.rows.length && texts.length < max; row++) {
    const value = sheet.rows[row]?.[col];
    if (typeof value === 'string' && value.trim()) texts.push(value);
  }
  for (const text of sheet.tail?.texts(col) ?? []) {
    if (texts.length >= max) break;
    texts.push(text);
  }
  return texts;
}

/** Non-empty text cells of a column in data rows from `firstRow` down. */
export function countFilled(sheet: SheetTable, firstRow: number, col: number): number {
  let filled = sheet.tail?.filledText(col) ?? 0;
  for (let row = firstRow; row < sheet.rows.length; row++) {
    const cells = sheet.rows[row];
    const value = cells?.[col];
    if (typeof value === 'string' && value.trim() && isDataRow(cells)) filled++;
  }
  return filled;
}

/** Whether some row from `firstRow` down has text (blank included) in `source` and nothing, or blank text, in `col`. */
export function hasGap(sheet: SheetTable, firstRow: number, source: number, col: number): boolean {
  const isEmpty = (value: CellValue | undefined) => value === null || value === undefined || (typeof value === 'string' && !value.trim());
  const held = sheet.rows.some((cells, row) => row >= firstRow && typeof cells?.[source] === 'string' && isEmpty(cells?.[col]));
  return held || (sheet.tail?.hasGap(source, col) ?? false);
}

/** Whether no cell of the column holds anything. */
export function isUnusedColumn(sheet: SheetTable, col: number): boolean {
  return sheet.rows.every((cells) => cells?.[col] === null || cells?.[col] === undefined) && !sheet.tail?.isUsed(col);
}

/** Last column holding anything in the sheet; -1 for none. */
export function lastUsedColumn(sheet: SheetTable): number {
  let last = sheet.tail?.lastUsedColumn ?? -1;
  for (const cells of sheet.rows) {
    if (!cells) continue;
    for (let col = cells.length - 1; col > last; col--) {
      const value = cells[col];
      if (value !== null && value !== undefined) {
        last = col;
        break;
      }
    }
  }
  return last;
}

/** Whether the sheet holds any cell with content. */
export function hasContent(sheet: SheetTable): boolean {
  return (sheet.tail?.lastUsedColumn ?? -1) >= 0 || sheet.rows.some((cells) => cells?.some((v) => v !== null && v !== undefined));
}

/**
 * A copy of `text` that holds no reference to the chunk it was cut from. V8 keeps a substring of
 * 13+ characters as a slice of its parent, so one kept cell text would keep its whole 1 MB chunk
 * (of XML, or of CSV text) alive, and a million of them the whole file.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}
