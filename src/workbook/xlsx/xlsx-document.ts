import path from 'node:path';
import ExcelJS from 'exceljs';
import { FanyiError } from '../../errors.ts';
import { NON_TEXT, type CellValue, type SheetTable, type SpreadsheetDocument } from '../sheet-model.ts';
import { decodeAddress } from '../cell-address.ts';
import { patchXlsx, type CellEdit } from './patch-xlsx.ts';

/**
 * An xlsx read with exceljs for analysis. Writing never goes through exceljs: `save` patches a
 * copy of the original zip so that everything but the target cells stays byte-identical.
 */
export class XlsxDocument implements SpreadsheetDocument {
  readonly format = 'xlsx' as const;
  readonly sheets: readonly SheetTable[];
  readonly #sourcePath: string;
  readonly #edits = new Map<string, CellEdit>();

  constructor(sourcePath: string, sheets: readonly SheetTable[]) {
    this.#sourcePath = sourcePath;
    this.sheets = sheets;
  }

  setText(sheetIndex: number, row: number, col: number, text: string): void {
    const sheetName = this.sheets[sheetIndex].name;
    this.#edits.set(`${sheetIndex}:${row}:${col}`, { sheetName, row, col, text });
  }

  async save(target: string): Promise<void> {
    await patchXlsx(this.#sourcePath, target, this.#edits.values());
  }
}

export async function readXlsxDocument(file: string, maxCells: number): Promise<XlsxDocument> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new FanyiError('CORRUPT_FILE', `${path.basename(file)} could not be read as an xlsx workbook (${reason}); re-save it from Excel and try again`);
  }
  const budget = { cells: 0, maxCells, file };
  const sheets = workbook.worksheets.map((sheet, index) => toSheetTable(sheet, index, budget));
  return new XlsxDocument(file, sheets);
}

function toSheetTable(sheet: ExcelJS.Worksheet, index: number, budget: { cells: number; maxCells: number; file: string }): SheetTable {
  const rows: CellValue[][] = [];
  const comments = new Map<string, string>();
  const numbers = new Map<string, number>();
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: CellValue[] = [];
    row.eachCell({ includeEmpty: false }, (cell, colNumber) => {
      values[colNumber - 1] = cellValue(cell);
      const number = numericValue(cell.value);
      if (number !== undefined) numbers.set(`${rowNumber - 1}:${colNumber - 1}`, number);
      const note = noteText(cell.note);
      if (note) comments.set(`${rowNumber - 1}:${colNumber - 1}`, note);
      if (++budget.cells > budget.maxCells) {
        throw new FanyiError('FILE_TOO_LARGE', `${path.basename(budget.file)} has more than ${budget.maxCells} cells (data_processing.cell_processing.max_cells); split the workbook or raise the limit`);
      }
    });
    rows[rowNumber - 1] = values;
  });
  return { name: sheet.name, index, hidden: sheet.state !== 'visible', rows, comments, numbers, merges: mergesOf(sheet) };
}

function cellValue(cell: ExcelJS.Cell): CellValue {
  const value = cell.value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'object' && 'richText' in value && Array.isArray(value.richText)) {
    const text = value.richText.map((run) => run.text).join('');
    return text === '' ? null : text;
  }
  // Numbers, dates, booleans, formulas, hyperlinks, errors: data, never translated.
  return NON_TEXT;
}

/** A number, or a formula's cached numeric result; kept beside the NON_TEXT marker for context. */
function numericValue(value: ExcelJS.CellValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value && typeof value === 'object' && 'formula' in value && typeof value.result === 'number') return value.result;
  return undefined;
}

function noteText(note: ExcelJS.Cell['note']): string | undefined {
  if (!note) return undefined;
  if (typeof note === 'string') return note;
  return note.texts?.map((run) => run.text).join('') || undefined;
}

function mergesOf(sheet: ExcelJS.Worksheet): SheetTable['merges'] {
  const ranges: string[] = (sheet.model as { merges?: string[] }).merges ?? [];
  return ranges.map((range) => {
    const [from, to = from] = range.split(':');
    const a = decodeAddress(from);
    const b = decodeAddress(to);
    return { top: a.row, left: a.col, bottom: b.row, right: b.col };
  });
}
