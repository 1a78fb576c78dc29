import { basename, extname } from 'node:path';
import type { CellValue, ReadLimits, SheetTable, SpreadsheetDocument } from '../sheet-model.ts';
import type { CsvDelimiter, CsvRecord, LineEnding } from './csv-parse.ts';
import { patchCsv, type CsvEdit } from './csv-patch.ts';
import { openCsv } from './csv-stream.ts';
import type { OutputEncoding } from './output-encoding.ts';
import type { CsvEncoding, EncodingGuess } from './sniff-encoding.ts';

export interface ReadCsvOptions {
  /** Name of the single sheet. Default: the file's base name without its extension. */
  readonly sheetName?: string;
  /** Skips delimiter sniffing. Default: sniffed (tab for `.tsv`). */
  readonly delimiter?: CsvDelimiter;
}

/** What {@link readCsvDocument} found; `rows[i]` holds the cells of the file's record i. */
interface CsvDocumentInit {
  readonly path: string;
  readonly sheetName: string;
  readonly guess: EncodingGuess;
  readonly delimiter: CsvDelimiter;
  readonly lineEnding: LineEnding;
  readonly rows: CellValue[][];
}

/**
 * A CSV/TSV file as a one-sheet document held whole. Cells are the fields' strings, `null` for
 * empty fields. Saving writes the file it was read from through with the cells set
 * (csv-patch.ts): a row nobody called {@link setText} on stays byte-identical; the file keeps its
 * encoding, BOM, delimiter and line endings.
 */
export class CsvDocument implements SpreadsheetDocument {
  readonly format = 'csv' as const;
  readonly sheets: readonly SheetTable[];
  readonly encoding: CsvEncoding;
  readonly bom: boolean;
  readonly delimiter: CsvDelimiter;
  /** The file's dominant line ending; rows added by setText end with it. */
  readonly lineEnding: LineEnding;
  readonly #path: string;
  readonly #rows: CellValue[][];
  readonly #edits = new Map<string, CsvEdit>();

  constructor(init: CsvDocumentInit) {
    this.#path = init.path;
    this.encoding = init.guess.encoding;
    this.bom = init.guess.bom;
    this.delimiter = init.delimiter;
    this.lineEnding = init.lineEnding;
    this.#rows = init.rows;
    this.sheets = [{ name: init.sheetName, index: 0, hidden: false, rows: this.#rows, comments: new Map(), merges: [] }];
  }

  setText(sheetIndex: number, row: number, col: number, text: string): void {
    if (sheetIndex !== 0) throw new RangeError(`a CSV document has one sheet, not sheet ${sheetIndex}`);
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0) throw new RangeError(`bad cell ${row}:${col}`);
    while (this.#rows.length <= row) this.#rows.push([]);
    const cells = this.#rows[row];
    while (cells.length < col) cells.push(null);
    cells[col] = text === '' ? null : text;
    this.#edits.set(`${row}:${col}`, { row, col, text });
  }

  /** Writes the document: `keep` (default) keeps the source's encoding and BOM, `utf-8-bom` re-encodes every row. */
  async save(path: string, encoding: OutputEncoding = 'keep'): Promise<void> {
    await patchCsv(this.#path, path, this.#edits.values(), encoding);
  }
}

/**
 * Reads a CSV or TSV file whole (csv-stream.ts reads it; this holds every record): for a table
 * looked at whole (check, map, glossaries, tests). Planning a translation scans it instead
 * (csv-scan.ts). Throws FanyiError FILE_NOT_FOUND, FILE_TOO_LARGE, UNSUPPORTED_FORMAT (binary
 * or unknown encoding) or EMPTY_WORKBOOK (nothing but a BOM or whitespace).
 */
export async function readCsvDocument(path: string, limits: ReadLimits, options: ReadCsvOptions = {}): Promise<CsvDocument> {
  const stream = await openCsv(path, limits, options);
  const rows: CellValue[][] = [];
  for await (const record of stream.records(limits.maxCells)) rows.push(toCells(record));
  const sheetName = options.sheetName ?? basename(path, extname(path));
  return new CsvDocument({ path, sheetName, guess: stream.guess, delimiter: stream.delimiter, lineEnding: stream.totals!.lineEnding, rows });
}

/** A record's fields as cells: empty fields become `null`. */
export function toCells({ fields }: CsvRecord): CellValue[] {
  const cells: CellValue[] = new Array(fields.length);
  for (let i = 0; i < fields.length; i++) cells[i] = fields[i] === '' ? null : fields[i];
  return cells;
}
