import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FanyiError } from '../errors.ts';
import { readCsvDocument } from './csv/csv-document.ts';
import type { ReadLimits, SpreadsheetDocument } from './sheet-model.ts';
import { inspectSpreadsheetFile } from './xlsx/inspect-xlsx.ts';

/** Opens an xlsx, csv or tsv by its content (not its extension), within the limits. */
export async function readWorkbook(file: string, limits: ReadLimits): Promise<SpreadsheetDocument> {
  if (!existsSync(file)) throw new FanyiError('FILE_NOT_FOUND', `file not found: ${file}`);
  if (statSync(file).isDirectory()) throw new FanyiError('UNSUPPORTED_FORMAT', `${file} is a directory; pass an .xlsx, .csv or .tsv file`);
  const { kind } = await inspectSpreadsheetFile(file, limits);
  // exceljs is the heaviest import; CSV runs never load it.
  const document = kind === 'xlsx' ? await (await import('./xlsx/xlsx-document.ts')).readXlsxDocument(file, limits.maxCells) : await readCsvDocument(file, limits);
  if (!document.sheets.some((sheet) => sheet.rows.some((cells) => cells?.some((v) => v !== null && v !== undefined)))) {
    throw new FanyiError('EMPTY_WORKBOOK', `${path.basename(file)} has no cells with content`);
  }
  return document;
}
