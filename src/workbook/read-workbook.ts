import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FanyiError } from '../errors.ts';
import { readCsvDocument } from './csv/csv-document.ts';
import { hasContent, type ReadLimits, type SheetTable, type SpreadsheetDocument, type WorkbookScan } from './sheet-model.ts';
import { scanCsv } from './csv/csv-scan.ts';
import { inspectSpreadsheetFile } from './xlsx/inspect-xlsx.ts';

/** Opens an xlsx, csv or tsv by its content (not its extension), within the limits, and holds it whole: for tables looked at whole (map, reports, glossaries). */
export async function readWorkbook(file: string, limits: ReadLimits): Promise<SpreadsheetDocument> {
  const kind = await inspect(file, limits);
  const document = kind === 'xlsx' ? await (await import('./xlsx/xlsx-document.ts')).readXlsxDocument(file, limits.maxCells) : await readCsvDocument(file, limits);
  return withContent(file, document);
}

/**
 * Scans an xlsx, csv or tsv for planning a translation, at any size: each sheet's first rows and
 * a summary of the rest (sheet-sample.ts), the rows streamed from the file again for the split.
 */
export async function scanWorkbook(file: string, limits: ReadLimits): Promise<WorkbookScan> {
  const kind = await inspect(file, limits);
  const scan = kind === 'xlsx' ? await (await import('./xlsx/read-xlsx-stream.ts')).scanXlsx(file, limits.maxCells) : await scanCsv(file, limits);
  return withContent(file, scan);
}

async function inspect(file: string, limits: ReadLimits): Promise<'xlsx' | 'csv'> {
  if (!existsSync(file)) throw new FanyiError('FILE_NOT_FOUND', `file not found: ${file}`);
  if (statSync(file).isDirectory()) throw new FanyiError('UNSUPPORTED_FORMAT', `${file} is a directory; pass an .xlsx, .csv or .tsv file`);
  return (await inspectSpreadsheetFile(file, limits)).kind;
}

function withContent<T extends { sheets: readonly SheetTable[] }>(file: string, workbook: T): T {
  if (!workbook.sheets.some(hasContent)) throw new FanyiError('EMPTY_WORKBOOK', `${path.basename(file)} has no cells with content`);
  return workbook;
}
