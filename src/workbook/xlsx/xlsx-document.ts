import type { SheetTable, SpreadsheetDocument } from '../sheet-model.ts';
import { readXlsxSheets } from './read-xlsx-stream.ts';
import { patchXlsx, type CellEdit } from './patch-xlsx.ts';

/**
 * An xlsx read for analysis by the streaming reader. Writing never goes through exceljs: `save` patches a
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

/** Reads every sheet with the streaming reader (read-xlsx-stream.ts); nothing of exceljs is loaded. */
export async function readXlsxDocument(file: string, maxCells: number): Promise<XlsxDocument> {
  return new XlsxDocument(file, await readXlsxSheets(file, maxCells));
}
