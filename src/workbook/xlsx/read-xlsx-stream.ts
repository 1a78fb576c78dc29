/**
 * Reads an xlsx without building a workbook model: the package parts are followed as Excel
 * follows them (locate-sheet-parts.ts), shared strings, comments and each worksheet are streamed
 * out of the zip through saxes, and rows arrive one at a time. Memory is the texts themselves
 * (shared strings are shared, not copied per cell) plus one small array per row — exceljs's model
 * held a Cell object, a style and an address per cell, 2.5 GB at a million rows.
 */
import { posix } from 'node:path';
import path from 'node:path';
import { FanyiError } from '../../errors.ts';
import { decodeAddress } from '../cell-address.ts';
import { NON_TEXT, cellKey, type CellValue, type SheetTable } from '../sheet-model.ts';
import { CommentsReader } from './comments-reader.ts';
import { relationships, sheetTags, workbookPartOf, type Relationship } from './locate-sheet-parts.ts';
import { SharedStringsReader } from './shared-strings-reader.ts';
import { SheetRowsReader, type SheetRow } from './sheet-rows-reader.ts';
import { attribute, unescapeXml } from './sheet-xml-helpers.ts';
import { openZip, readEntry, type SourceZip } from './xlsx-zip.ts';
import { parseXmlStream, type XmlHandler } from './xml-stream.ts';
import { entryText } from './zip-entry-stream.ts';

/** One worksheet of the workbook part, in workbook order. */
export interface SheetPart {
  name: string;
  index: number;
  hidden: boolean;
  part: string;
}

/** The opened package: its zip, worksheets and shared strings, ready for rows to be streamed. */
export interface XlsxPackage {
  zip: SourceZip;
  sheets: SheetPart[];
  sharedStrings: readonly string[];
}

export async function openXlsxPackage(file: string): Promise<XlsxPackage> {
  const zip = await openZip(file);
  const workbookPart = workbookPartOf(await text(zip, '_rels/.rels'));
  const rels = await relationshipsOf(zip, workbookPart);
  const byId = new Map(rels.map((rel) => [rel.id, rel]));
  const sheets: SheetPart[] = [];
  for (const tag of sheetTags(await text(zip, workbookPart))) {
    const rel = byId.get(/\s\w+:id\s*=\s*["']([^"']*)/.exec(tag)?.[1] ?? '');
    // Chart sheets and dialog sheets hold no cells; exceljs's worksheets left them out too.
    if (!rel?.type.endsWith('/worksheet') || !zip.byName.has(rel.target)) continue;
    const state = attribute(tag, 'state');
    sheets.push({ name: unescapeXml(attribute(tag, 'name') ?? ''), index: sheets.length, hidden: state === 'hidden' || state === 'veryHidden', part: rel.target });
  }
  const shared = rels.find((rel) => rel.type.endsWith('/sharedStrings') && zip.byName.has(rel.target));
  const sharedStrings = shared ? (await parse(zip, shared.target, new SharedStringsReader())).strings : [];
  return { zip, sheets, sharedStrings };
}

/** Streams one worksheet's rows to `onRow`, and returns what the sheet holds beside its rows. */
export async function streamSheetRows(pkg: XlsxPackage, sheet: SheetPart, onRow: (row: SheetRow) => void): Promise<{ merges: SheetTable['merges']; hyperlinks: string[] }> {
  const merges: Array<SheetTable['merges'][number]> = [];
  const hyperlinks: string[] = [];
  const reader = new SheetRowsReader(pkg.sharedStrings, {
    row: onRow,
    merge: (ref) => merges.push(rangeOf(ref)),
    hyperlink: (ref) => hyperlinks.push(ref),
  });
  await parseXmlStream(entryText(pkg.zip, sheet.part), reader, pkg.zip.fileName, sheet.part);
  return { merges, hyperlinks };
}

/** The sheet's cell notes by 0-based `row:col`, from the comments part its relationships name. */
export async function sheetComments(pkg: XlsxPackage, sheet: SheetPart): Promise<Map<string, string>> {
  const comments = new Map<string, string>();
  const rels = await relationshipsOf(pkg.zip, sheet.part).catch(() => [] as Relationship[]);
  for (const rel of rels.filter((r) => r.type.endsWith('/comments') && pkg.zip.byName.has(r.target))) {
    for (const [ref, note] of (await parse(pkg.zip, rel.target, new CommentsReader())).notes) {
      const { row, col } = decodeAddress(ref);
      comments.set(cellKey(row, col), note);
    }
  }
  return comments;
}

/** Every sheet as a SheetTable, within `maxCells` non-empty cells. */
export async function readXlsxSheets(file: string, maxCells: number): Promise<SheetTable[]> {
  const pkg = await openXlsxPackage(file);
  let cells = 0;
  const tables: SheetTable[] = [];
  for (const sheet of pkg.sheets) {
    const rows: CellValue[][] = [];
    const numbers = new Map<string, number>();
    const { merges, hyperlinks } = await streamSheetRows(pkg, sheet, (row) => {
      rows[row.row] = row.cells;
      for (const [col, value] of row.numbers ?? []) numbers.set(cellKey(row.row, col), value);
      for (const value of row.cells) if (value !== undefined && ++cells > maxCells) throw tooManyCells(file, maxCells);
    });
    markHyperlinks(rows, hyperlinks);
    tables.push({ name: sheet.name, index: sheet.index, hidden: sheet.hidden, rows, comments: await sheetComments(pkg, sheet), numbers, merges });
  }
  return tables;
}

/** A hyperlinked text cell was a hyperlink value in exceljs's model, never translated; kept so. */
function markHyperlinks(rows: CellValue[][], refs: readonly string[]): void {
  for (const ref of refs) {
    const range = rangeOf(ref);
    for (let r = range.top; r <= range.bottom; r++) {
      const cells = rows[r];
      if (!cells) continue;
      for (let c = range.left; c <= range.right; c++) if (typeof cells[c] === 'string') cells[c] = NON_TEXT;
    }
  }
}

function tooManyCells(file: string, maxCells: number): FanyiError {
  return new FanyiError('FILE_TOO_LARGE', `${path.basename(file)} has more than ${maxCells} cells (data_processing.cell_processing.max_cells); split the workbook or raise the limit`);
}

function rangeOf(ref: string): SheetTable['merges'][number] {
  const [from, to = from] = ref.split(':');
  const a = decodeAddress(from);
  const b = decodeAddress(to);
  return { top: a.row, left: a.col, bottom: b.row, right: b.col };
}

async function relationshipsOf(zip: SourceZip, part: string): Promise<Relationship[]> {
  const dir = posix.dirname(part);
  const relsPart = `${dir === '.' ? '' : `${dir}/`}_rels/${posix.basename(part)}.rels`;
  if (!zip.byName.has(relsPart)) return [];
  return relationships(await text(zip, relsPart), dir === '.' ? '' : dir);
}

async function text(zip: SourceZip, name: string): Promise<string> {
  return (await readEntry(zip, name)).toString('utf8');
}

async function parse<T extends XmlHandler>(zip: SourceZip, part: string, handler: T): Promise<T> {
  await parseXmlStream(entryText(zip, part), handler, zip.fileName, part);
  return handler;
}
