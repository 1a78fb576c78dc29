import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { CellValue, ReadLimits, SheetTable, SpreadsheetDocument } from '../sheet-model.ts';
import { decodeCsvText, encodeCsvText } from './csv-codec.ts';
import { csvNotFound, emptyCsv, fileTooLarge, notTextCsv, tooManyCells, unknownEncoding } from './csv-errors.ts';
import { parseCsv, type CsvDelimiter, type CsvRecord, type LineEnding } from './csv-parse.ts';
import { serializeChangedRow, writeFileAtomic } from './csv-write.ts';
import { sniffDelimiter } from './sniff-delimiter.ts';
import { countLoss, narrowerCharset, type EncodingLoss, type OutputEncoding } from './output-encoding.ts';
import { BOMS, isBinaryLike, sniffEncoding, type CsvEncoding, type EncodingGuess } from './sniff-encoding.ts';

export interface ReadCsvOptions {
  /** Name of the single sheet. Default: the file's base name without its extension. */
  readonly sheetName?: string;
  /** Skips delimiter sniffing. Default: sniffed (tab for `.tsv`). */
  readonly delimiter?: CsvDelimiter;
}

/** What {@link readCsvDocument} found; `rows[i]` holds the cells of `records[i]`. */
interface CsvDocumentInit {
  readonly sheetName: string;
  readonly guess: EncodingGuess;
  /** The narrower encoding the source's readers use (GBK for a two-byte-only GB18030 file), if any. */
  readonly narrower?: string | null;
  readonly delimiter: CsvDelimiter;
  readonly lineEnding: LineEnding;
  readonly records: readonly CsvRecord[];
  readonly rows: CellValue[][];
}

/** Characters of text encoded per chunk on save; bounds memory for very large files. */
const SAVE_CHUNK_CHARS = 1 << 20;

/**
 * A CSV/TSV file as a one-sheet document. Cells are the fields' strings, `null` for empty fields.
 * Invariant: a row nobody called {@link setText} on is written back from its source text, so it
 * stays byte-identical; the file keeps its encoding, BOM, delimiter and line endings.
 */
export class CsvDocument implements SpreadsheetDocument {
  readonly format = 'csv' as const;
  readonly sheets: readonly SheetTable[];
  readonly encoding: CsvEncoding;
  readonly bom: boolean;
  readonly delimiter: CsvDelimiter;
  /** The file's dominant line ending; rows added by setText end with it. */
  readonly lineEnding: LineEnding;
  readonly #narrower: string | null;
  readonly #rows: CellValue[][];
  readonly #raws: string[];
  readonly #terminators: Array<LineEnding | ''>;
  /** Changed columns by row index; only these rows are re-serialized on save. */
  readonly #changed = new Map<number, Set<number>>();

  constructor(init: CsvDocumentInit) {
    this.encoding = init.guess.encoding;
    this.bom = init.guess.bom;
    this.delimiter = init.delimiter;
    this.lineEnding = init.lineEnding;
    this.#narrower = init.narrower ?? null;
    this.#rows = init.rows;
    this.#raws = init.records.map((r) => r.raw);
    this.#terminators = init.records.map((r) => r.terminator);
    const sheet: SheetTable = { name: init.sheetName, index: 0, hidden: false, rows: this.#rows, comments: new Map(), merges: [] };
    this.sheets = [sheet];
  }

  setText(sheetIndex: number, row: number, col: number, text: string): void {
    if (sheetIndex !== 0) throw new RangeError(`a CSV document has one sheet, not sheet ${sheetIndex}`);
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0) throw new RangeError(`bad cell ${row}:${col}`);
    this.#ensureRow(row);
    const cells = this.#rows[row];
    while (cells.length < col) cells.push(null);
    cells[col] = text === '' ? null : text;
    this.#changedCols(row).add(col);
  }

  /** Writes the document: `keep` (default) keeps the source's encoding and BOM, `utf-8-bom` re-encodes every row. */
  async save(path: string, encoding: OutputEncoding = 'keep'): Promise<void> {
    const target = encoding === 'keep' ? { encoding: this.encoding, bom: this.bom } : { encoding: 'utf8' as const, bom: true };
    await writeFileAtomic(path, this.#encodedChunks(target));
  }

  /** What of the changed text the source's readers cannot read when it is saved in the source's encoding. */
  lossInSourceEncoding(): EncodingLoss | null {
    return this.#narrower ? countLoss(this.#changedTexts(), this.#narrower, this.encoding.toUpperCase()) : null;
  }

  /** Appends empty rows up to `row`; the old last line gains a line break only if it lacked one. */
  #ensureRow(row: number): void {
    while (this.#rows.length <= row) {
      const last = this.#terminators.length - 1;
      const endsFile = last < 0 || this.#terminators[last] === '';
      if (last >= 0 && endsFile) this.#terminators[last] = this.lineEnding;
      this.#rows.push([]);
      this.#raws.push('');
      this.#terminators.push(endsFile ? '' : this.lineEnding);
      this.#changedCols(this.#rows.length - 1);
    }
  }

  #changedCols(row: number): Set<number> {
    let cols = this.#changed.get(row);
    if (!cols) this.#changed.set(row, (cols = new Set()));
    return cols;
  }

  *#changedTexts(): Generator<string> {
    for (const [row, cols] of this.#changed) {
      for (const col of cols) {
        const cell = this.#rows[row][col];
        if (typeof cell === 'string') yield cell;
      }
    }
  }

  *#encodedChunks({ encoding, bom }: EncodingGuess): Generator<Uint8Array> {
    if (bom) yield BOMS[encoding];
    // Chunks split only between rows, so a stateless encoder reproduces unchanged rows exactly.
    let parts: string[] = [];
    let size = 0;
    for (let row = 0; row < this.#rows.length; row++) {
      const line = this.#rowText(row) + this.#terminators[row];
      parts.push(line);
      size += line.length;
      if (size < SAVE_CHUNK_CHARS) continue;
      yield encodeCsvText(parts.join(''), encoding);
      [parts, size] = [[], 0];
    }
    if (parts.length > 0) yield encodeCsvText(parts.join(''), encoding);
  }

  #rowText(row: number): string {
    const cols = this.#changed.get(row);
    return cols ? serializeChangedRow(this.#raws[row], this.#rows[row], cols, this.delimiter) : this.#raws[row];
  }
}

/**
 * Reads a CSV or TSV file: sniffs its encoding and delimiter, parses it, and enforces `limits`.
 * Throws FanyiError FILE_NOT_FOUND, FILE_TOO_LARGE, UNSUPPORTED_FORMAT (binary or unknown
 * encoding) or EMPTY_WORKBOOK (nothing but a BOM or whitespace).
 */
export async function readCsvDocument(path: string, limits: ReadLimits, options: ReadCsvOptions = {}): Promise<CsvDocument> {
  const name = basename(path);
  const bytes = await readLimited(path, name, limits.maxFileBytes);
  const guess = sniffEncoding(bytes);
  if (guess === null) throw isBinaryLike(bytes) ? notTextCsv(name, bytes) : unknownEncoding(name);
  const text = decodeCsvText(bytes, guess);
  if (!/\S/.test(text)) throw emptyCsv(name);
  const delimiter = options.delimiter ?? sniffDelimiter(text, { extension: extname(path) });
  const { records, lineEnding } = parseCsv(text, delimiter);
  const rows = toCells(records, limits.maxCells, name);
  const sheetName = options.sheetName ?? basename(path, extname(path));
  return new CsvDocument({ sheetName, guess, narrower: narrowerCharset(bytes, guess.encoding), delimiter, lineEnding, records, rows });
}

/** Checks the size before reading, so an oversized file is never loaded into memory. */
async function readLimited(path: string, name: string, maxBytes: number): Promise<Buffer> {
  try {
    const { size } = await stat(path);
    if (size > maxBytes) throw fileTooLarge(name, size, maxBytes);
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw csvNotFound(name, error);
    throw error;
  }
}

/** Empty fields become `null`; counting non-empty ones enforces `maxCells` while converting. */
function toCells(records: readonly CsvRecord[], maxCells: number, name: string): CellValue[][] {
  let count = 0;
  return records.map(({ fields }) => {
    const cells: CellValue[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      if (field !== '' && ++count > maxCells) throw tooManyCells(name, maxCells);
      cells[i] = field === '' ? null : field;
    }
    return cells;
  });
}
