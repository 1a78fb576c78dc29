/**
 * A CSV/TSV file read as a stream of records, never whole: the encoding and delimiter are sniffed
 * on its first megabyte, then the file is read in chunks cut after a line break (no character is
 * ever split: CR and LF are never part of a multi-byte sequence in UTF-8 or GB18030, and UTF-16
 * is cut on whole units), each chunk checked like the sniffer checks a whole file, decoded on its
 * own and parsed, a record cut by the chunk's end carried into the next. Every read of the
 * records (analysis, the split, the write-back) streams the file again.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { ReadLimits } from '../sheet-model.ts';
import { decodeCsvText } from './csv-codec.ts';
import { csvNotFound, emptyCsv, fileTooLarge, notTextCsv, tooManyCells, unknownEncoding } from './csv-errors.ts';
import { dominantEnding, newEndingCounts, parseCsvChunk, type CsvDelimiter, type CsvRecord, type LineEnding } from './csv-parse.ts';
import { NarrowerCharset } from './output-encoding.ts';
import { sniffDelimiter } from './sniff-delimiter.ts';
import { BOMS, isBinaryLike, isDecodable, sniffEncoding, type EncodingGuess } from './sniff-encoding.ts';

/** Bytes read at a time, and what the sniffers look at. */
export const CSV_CHUNK_BYTES = 1024 * 1024;

export interface CsvStreamOptions {
  /** Skips delimiter sniffing. Default: sniffed (tab for `.tsv`). */
  readonly delimiter?: CsvDelimiter;
}

/** What a full read of the records found beside them. */
export interface CsvTotals {
  /** The most common record terminator; LF when there is none. */
  lineEnding: LineEnding;
  /** The narrower encoding the source's readers use (GBK for a two-byte-only GB18030 file), if any. */
  narrower: string | null;
  /** Records read. */
  records: number;
}

/** An opened CSV: how it is encoded and delimited, and its records, read from the file each time they are asked for. */
export class CsvStream {
  readonly #path: string;
  readonly #name: string;
  readonly #size: number;
  readonly guess: EncodingGuess;
  readonly delimiter: CsvDelimiter;
  /** Filled once a read of the records has reached the end of the file. */
  totals: CsvTotals | undefined;

  constructor(path: string, size: number, guess: EncodingGuess, delimiter: CsvDelimiter) {
    this.#path = path;
    this.#name = basename(path);
    this.#size = size;
    this.guess = guess;
    this.delimiter = delimiter;
  }

  /** The records in file order; `maxCells` non-empty fields at most (FILE_TOO_LARGE past it). */
  async *records(maxCells = Infinity): AsyncGenerator<CsvRecord> {
    const endings = newEndingCounts();
    const narrower = new NarrowerCharset(this.guess.encoding);
    let carried = '';
    let count = 0;
    let cells = 0;
    for await (const { bytes, isFirst, isLast } of lineChunks(this.#path, this.#size, this.guess)) {
      if (!(isFirst && isLast)) checkChunk(this.#name, bytes, this.guess, isFirst); // a file read in one chunk was checked whole by the sniffer
      narrower.add(bytes);
      const text = carried + decodeCsvText(bytes, isFirst ? this.guess : { ...this.guess, bom: false });
      const { records, consumed } = parseCsvChunk(text, this.delimiter, { isLast, endings });
      carried = text.slice(consumed);
      for (const record of records) {
        for (const field of record.fields) if (field !== '' && ++cells > maxCells) throw tooManyCells(this.#name, maxCells);
        count++;
        yield record;
      }
    }
    this.totals = { lineEnding: dominantEnding(endings), narrower: narrower.value, records: count };
  }
}

/**
 * Opens a CSV or TSV file: checks its size, sniffs its encoding and delimiter on the first chunk.
 * Throws FanyiError FILE_NOT_FOUND, FILE_TOO_LARGE, UNSUPPORTED_FORMAT (binary or unknown
 * encoding) or EMPTY_WORKBOOK (nothing but a BOM or whitespace).
 */
export async function openCsv(path: string, limits: Pick<ReadLimits, 'maxFileBytes'>, options: CsvStreamOptions = {}): Promise<CsvStream> {
  const name = basename(path);
  const size = await sizeOf(path, name, limits.maxFileBytes);
  const head = await readHead(path, Math.min(size, CSV_CHUNK_BYTES));
  const isWhole = head.length >= size;
  const sample = isWhole ? head : head.subarray(0, sniffCut(head));
  const guess = sniffEncoding(sample);
  if (guess === null) throw isBinaryLike(sample) ? notTextCsv(name, sample) : unknownEncoding(name);
  const text = decodeCsvText(sample, guess);
  if (isWhole && !/\S/.test(text)) throw emptyCsv(name);
  const delimiter = options.delimiter ?? sniffDelimiter(text, { extension: extname(path) });
  return new CsvStream(path, size, guess, delimiter);
}

async function sizeOf(path: string, name: string, maxBytes: number): Promise<number> {
  try {
    const { size } = await stat(path);
    if (size > maxBytes) throw fileTooLarge(name, size, maxBytes);
    return size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw csvNotFound(name, error);
    throw error;
  }
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Where the sniffers' sample of a longer file ends, the encoding not yet known: after its last
 * line break (else its last comma, semicolon, tab or quote: a first line longer than the sample),
 * none of which is ever part of a multi-byte character in UTF-8 or GB18030, with the NUL after it
 * when that makes a UTF-16LE unit (`0A 00`). A UTF-16BE unit (`00 0A`) ends on an even count
 * already; an 8-bit encoding never has a NUL in text.
 */
function sniffCut(head: Uint8Array): number {
  let last = Math.max(head.lastIndexOf(0x0a), head.lastIndexOf(0x0d));
  if (last < 0) last = Math.max(...[0x2c, 0x3b, 0x09, 0x22].map((byte) => head.lastIndexOf(byte)));
  if (last < 0) return head.length;
  return (last + 1) % 2 === 1 && head[last + 1] === 0 ? last + 2 : last + 1;
}

/** The end of the chunk's last whole line break in `encoding` (0: none yet). */
function lineBreakEnd(bytes: Uint8Array, encoding: EncodingGuess['encoding']): number {
  if (encoding === 'utf8' || encoding === 'gb18030') return Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d)) + 1;
  // UTF-16: a CR or LF unit at an even offset (LE: `0A 00`, BE: `00 0A`).
  const low = encoding === 'utf16le' ? 0 : 1;
  for (let i = (bytes.length - 2) & ~1; i >= 0; i -= 2) {
    const code = bytes[i + low];
    if (bytes[i + 1 - low] === 0 && (code === 0x0a || code === 0x0d)) return i + 2;
  }
  return 0;
}

/** The file's bytes in chunks of about CSV_CHUNK_BYTES, each ending after a line break (or at the end of the file). */
async function* lineChunks(path: string, size: number, guess: EncodingGuess): AsyncGenerator<{ bytes: Buffer; isFirst: boolean; isLast: boolean }> {
  const handle = await open(path, 'r');
  try {
    let pending: Buffer = Buffer.alloc(0);
    let position = 0;
    let isFirst = true;
    while (position < size || pending.length) {
      const read = position < size ? await readChunk(handle, position, Math.min(CSV_CHUNK_BYTES, size - position)) : Buffer.alloc(0);
      position += read.length;
      const bytes = pending.length ? Buffer.concat([pending, read]) : read;
      const isLast = position >= size || read.length === 0; // a file cut short since it was measured ends here
      const end = isLast ? bytes.length : lineBreakEnd(bytes, guess.encoding);
      pending = bytes.subarray(end);
      if (end === 0 && !isLast) continue; // one line longer than a chunk: read on
      yield { bytes: bytes.subarray(0, end), isFirst, isLast };
      isFirst = false;
      if (isLast) return;
    }
  } finally {
    await handle.close();
  }
}

async function readChunk(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * A chunk holds what the sniffer would accept of a whole file in its encoding: text (no NUL in
 * an 8-bit encoding), decodable strictly (GB18030: re-encoding to the same bytes, which is what
 * keeps unchanged rows byte-identical on write).
 */
function checkChunk(name: string, bytes: Buffer, guess: EncodingGuess, isFirst: boolean): void {
  const body = isFirst && guess.bom ? bytes.subarray(BOMS[guess.encoding].length) : bytes;
  if ((guess.encoding === 'utf8' || guess.encoding === 'gb18030') && body.indexOf(0) !== -1) throw notTextCsv(name, body);
  if (!isDecodable(body, guess.encoding)) throw unknownEncoding(name);
}
