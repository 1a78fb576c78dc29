import { basename, extname } from 'node:path';
import type { ReadLimits, SheetRow, WorkbookScan } from '../sheet-model.ts';
import { SheetSampler } from '../sheet-sample.ts';
import { toCells } from './csv-document.ts';
import { openCsv, type CsvStream } from './csv-stream.ts';

/**
 * A CSV or TSV scanned for planning: one sheet named after the file, its first rows held and the
 * rest summarized (sheet-sample.ts), then streamed from the file again for the split. Nothing
 * holds the file's text or every row. Throws what openCsv throws, and FILE_TOO_LARGE past
 * `limits.maxCells`.
 */
export async function scanCsv(path: string, limits: ReadLimits): Promise<WorkbookScan> {
  const stream = await openCsv(path, limits);
  const sampler = new SheetSampler();
  for await (const row of csvRows(stream, limits.maxCells)) sampler.add(row);
  const sheet = sampler.table({ name: basename(path, extname(path)), index: 0, hidden: false, comments: new Map(), merges: [] });
  return {
    format: 'csv',
    sheets: [sheet],
    rows: () => csvRows(stream, limits.maxCells),
  };
}

async function* csvRows(stream: CsvStream, maxCells: number): AsyncGenerator<SheetRow> {
  let row = 0;
  for await (const record of stream.records(maxCells)) yield { row: row++, cells: toCells(record) };
}
