import { FanyiError } from '../../errors.ts';
import { binarySignature } from './sniff-encoding.ts';

/**
 * The CSV reader's user-facing failures. Each message is one line, names the file by its base
 * name and says what to do; the option names are the config file's.
 */

const MB = 1024 * 1024;

const megabytes = (bytes: number): string => (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0);

export function fileTooLarge(name: string, bytes: number, maxBytes: number): FanyiError {
  return new FanyiError(
    'FILE_TOO_LARGE',
    `${name} is ${megabytes(bytes)} MB, over the ${megabytes(maxBytes)} MB limit; split it or raise data_processing.cell_processing.max_file_mb`,
  );
}

export function tooManyCells(name: string, maxCells: number): FanyiError {
  return new FanyiError(
    'FILE_TOO_LARGE',
    `${name} has more than ${maxCells} non-empty cells; split it or raise data_processing.cell_processing.max_cells`,
  );
}

export function notTextCsv(name: string, bytes: Uint8Array): FanyiError {
  const kind = binarySignature(bytes);
  const what = kind ? `it looks like ${kind}` : 'it contains binary data';
  return new FanyiError(
    'UNSUPPORTED_FORMAT',
    `${name} is not a text CSV file (${what}); export it from your spreadsheet app as CSV (UTF-8), or give it its real extension`,
  );
}

export function unknownEncoding(name: string): FanyiError {
  return new FanyiError(
    'UNSUPPORTED_FORMAT',
    `${name} is not in a supported text encoding (UTF-8, UTF-16 or GB18030); re-save it as CSV (UTF-8) and try again`,
  );
}

export function emptyCsv(name: string): FanyiError {
  return new FanyiError('EMPTY_WORKBOOK', `${name} is empty; add a header row and the rows to translate, then try again`);
}

export function csvNotFound(name: string, cause: unknown): FanyiError {
  return new FanyiError('FILE_NOT_FOUND', `${name} does not exist; check the path and try again`, { cause });
}
