/**
 * Decides what kind of spreadsheet a file is from its bytes, before any parser touches it, so
 * that a renamed .xls, an encrypted workbook, a zip bomb or a PDF fails with a message that says
 * what to do instead of a parser stack trace. Reads only the head, the zip directory and (for
 * OLE files) a byte search; nothing is inflated.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { FanyiError } from '../../errors.ts';
import { checkMemoryBudget } from '../memory-budget.ts';
import type { ReadLimits } from '../sheet-model.ts';
import { readZipDirectory, type ZipEntry } from './zip-directory.ts';

const HEAD_BYTES = 4096;
const ZIP_LOCAL = Buffer.from('PK\x03\x04', 'latin1');
const ZIP_EMPTY = Buffer.from('PK\x05\x06', 'latin1');
const OLE_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const ENCRYPTED_STREAM = Buffer.from('EncryptedPackage', 'utf16le');
const BINARY_MAGICS = ['%PDF-', '\x89PNG', '\x1f\x8b', '\xff\xd8\xff', 'GIF8', '7z\xbc\xaf', 'Rar!', '\x7fELF']
  .map((magic) => Buffer.from(magic, 'latin1'));

/** A single entry this much larger than its compressed form is only plausible when tiny. */
const MAX_RATIO = 1000;
const RATIO_FLOOR_BYTES = 100 * 1024 * 1024;

/**
 * Sniffs `path` by magic bytes (never by extension) and returns how to read it.
 *
 * @throws FanyiError `EMPTY_WORKBOOK` for a 0-byte file; `FILE_TOO_LARGE` over
 *   `limits.maxFileBytes`, or for an xlsx whose declared uncompressed size exceeds
 *   `limits.maxUncompressedBytes` or that has an entry expanding over 1000:1 past 100 MB;
 *   or whose reading and planning would not fit `limits.maxMemoryBytes` (see memory-budget.ts);
 *   `CORRUPT_FILE` for a zip whose central directory cannot be read; `ENCRYPTED_FILE` for a
 *   password-protected workbook; `UNSUPPORTED_FORMAT` for legacy .xls, non-xlsx zips and binaries.
 */
export async function inspectSpreadsheetFile(path: string, limits: ReadLimits): Promise<{ kind: 'xlsx' | 'csv' }> {
  const name = basename(path);
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    checkFileSize(name, size, limits);
    const head = await readAt(file, 0, Math.min(size, HEAD_BYTES));
    if (startsWith(head, ZIP_LOCAL) || startsWith(head, ZIP_EMPTY)) {
      const directory = await readZipDirectory((position, length) => readAt(file, position, length), size);
      if (!directory) {
        throw new FanyiError('CORRUPT_FILE', `${name} is a damaged or truncated xlsx (its zip directory cannot be read); re-download it or re-save it in Excel or LibreOffice and try again`);
      }
      checkXlsxZip(name, directory.entries, limits);
      return { kind: 'xlsx' };
    }
    if (startsWith(head, OLE_MAGIC)) throw await oleError(file, size, name);
    if (looksBinary(head)) {
      throw new FanyiError('UNSUPPORTED_FORMAT', `${name} is not a spreadsheet (xlsx, csv or tsv); export the table from its application as .xlsx or .csv and try again`);
    }
    checkMemoryBudget(name, size, 'csv', limits.maxMemoryBytes);
    return { kind: 'csv' };
  } finally {
    await file.close();
  }
}

function checkFileSize(name: string, size: number, limits: ReadLimits): void {
  if (size === 0) {
    throw new FanyiError('EMPTY_WORKBOOK', `${name} is empty (0 bytes); choose a file that contains the strings to translate`);
  }
  if (size > limits.maxFileBytes) {
    throw new FanyiError('FILE_TOO_LARGE', `${name} is ${mb(size)}, over the ${mb(limits.maxFileBytes)} limit; split it into smaller files or raise data_processing.cell_processing.max_file_mb`);
  }
}

function checkXlsxZip(name: string, entries: ZipEntry[], limits: ReadLimits): void {
  const names = new Set(entries.map((entry) => entry.name));
  if (!names.has('[Content_Types].xml') || !names.has('xl/workbook.xml')) {
    throw new FanyiError('UNSUPPORTED_FORMAT', `${name} is a zip file but not an xlsx workbook; open it in its application and export it as .xlsx or .csv`);
  }
  let total = 0;
  let sheetBytes = 0;
  for (const entry of entries) {
    total += entry.uncompressedSize;
    if (isSheetPart(entry.name)) sheetBytes += entry.uncompressedSize;
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (ratio > MAX_RATIO && entry.uncompressedSize > RATIO_FLOOR_BYTES) {
      throw new FanyiError('FILE_TOO_LARGE', `${name} has a part (${entry.name}) that would expand ${Math.round(ratio)}:1 to ${mb(entry.uncompressedSize)}, which looks like a zip bomb; re-save the workbook in Excel or LibreOffice and try again`);
    }
  }
  if (total > limits.maxUncompressedBytes) {
    throw new FanyiError('FILE_TOO_LARGE', `${name} would expand to ${mb(total)} when unzipped, over the ${mb(limits.maxUncompressedBytes)} limit; split the workbook or raise data_processing.cell_processing.max_uncompressed_mb`);
  }
  checkMemoryBudget(name, sheetBytes, 'xlsx', limits.maxMemoryBytes);
}

/** The parts whose size the read and the plan grow with: worksheets and the shared strings. */
function isSheetPart(entryName: string): boolean {
  return entryName === 'xl/sharedStrings.xml' || /^xl\/worksheets\/[^/]+\.xml$/.test(entryName);
}

async function oleError(file: FileHandle, size: number, name: string): Promise<FanyiError> {
  // Encrypted OOXML is an OLE container whose payload stream is named "EncryptedPackage"; the
  // name sits in a directory sector as UTF-16LE, so a byte search finds it without a CFB parser.
  if (await containsBytes(file, size, ENCRYPTED_STREAM)) {
    return new FanyiError('ENCRYPTED_FILE', `${name} is password-protected; remove the password in Excel (File › Info › Protect Workbook) and try again`);
  }
  return new FanyiError('UNSUPPORTED_FORMAT', `${name} is a legacy .xls (Excel 97-2003) file; open it in Excel or LibreOffice and save as .xlsx`);
}

/**
 * Binary if it starts with a known non-spreadsheet signature, or has NUL bytes that are not the
 * zero halves of UTF-16 text (those all fall on one parity: odd offsets for LE, even for BE).
 */
function looksBinary(head: Buffer): boolean {
  if (BINARY_MAGICS.some((magic) => startsWith(head, magic))) return true;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) evenNuls++;
    else oddNuls++;
  }
  return evenNuls > 0 && oddNuls > 0;
}

/** Chunked search so a 200 MB OLE file is never held in memory at once. */
async function containsBytes(file: FileHandle, size: number, needle: Buffer): Promise<boolean> {
  const chunkSize = 1024 * 1024;
  for (let offset = 0; offset < size; offset += chunkSize) {
    // Overlap by needle length - 1 so a match straddling two chunks is still seen.
    const start = Math.max(0, offset - needle.length + 1);
    const chunk = await readAt(file, start, Math.min(size, offset + chunkSize) - start);
    if (chunk.includes(needle)) return true;
  }
  return false;
}

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function startsWith(buffer: Buffer, prefix: Buffer): boolean {
  return buffer.length >= prefix.length && buffer.subarray(0, prefix.length).equals(prefix);
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
