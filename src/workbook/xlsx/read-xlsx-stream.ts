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
import { NON_TEXT, cellKey, type CellValue, type SheetRow, type SheetTable, type WorkbookScan } from '../sheet-model.ts';
import { SheetSampler } from '../sheet-sample.ts';
import { CommentsReader } from './comments-reader.ts';
import { relationships, sheetTags, workbookPartOf, type Relationship } from './locate-sheet-parts.ts';
import { SharedStringsReader } from './shared-strings-reader.ts';
import { SheetRowsReader } from './sheet-rows-reader.ts';
import { attribute, unescapeXml } from './sheet-xml-helpers.ts';
import { openZip, readEntry, type SourceZip } from './xlsx-zip.ts';
import { parseXmlStream, xmlParser, type XmlHandler } from './xml-stream.ts';
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

/** What a sheet part holds beside its rows, known once they have all gone by. */
export interface SheetExtras {
  merges: Array<SheetTable['merges'][number]>;
  /** Hyperlinked ranges: their text cells are links, never translated (see linkedRows). */
  hyperlinks: Array<SheetTable['merges'][number]>;
}

/**
 * One worksheet's rows as they are parsed, a chunk of the part at a time; `extras` fills as its
 * tags go by (merges and hyperlinks follow the rows in the part).
 */
export async function* sheetRows(pkg: XlsxPackage, sheet: SheetPart, extras: SheetExtras = { merges: [], hyperlinks: [] }): AsyncGenerator<SheetRow> {
  let parsed: SheetRow[] = [];
  const reader = new SheetRowsReader(pkg.sharedStrings, {
    row: (row) => void parsed.push(row),
    merge: (ref) => extras.merges.push(rangeOf(ref)),
    hyperlink: (ref) => extras.hyperlinks.push(rangeOf(ref)),
  });
  const parser = xmlParser(reader, pkg.zip.fileName, sheet.part);
  for await (const chunk of entryText(pkg.zip, sheet.part)) {
    parser.write(chunk);
    yield* parsed;
    parsed = [];
  }
  parser.close();
  yield* parsed;
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
  const count = cellCounter(file, maxCells);
  const tables: SheetTable[] = [];
  for (const sheet of pkg.sheets) {
    const rows: Array<readonly CellValue[]> = [];
    const numbers = new Map<string, number>();
    const extras: SheetExtras = { merges: [], hyperlinks: [] };
    for await (const row of sheetRows(pkg, sheet, extras)) {
      count(row);
      rows[row.row] = row.cells;
      for (const [col, value] of row.numbers ?? []) numbers.set(cellKey(row.row, col), value);
    }
    for (const cells of linkedRows(rows, extras.hyperlinks)) rows[cells.row] = cells.cells;
    tables.push({ name: sheet.name, index: sheet.index, hidden: sheet.hidden, rows, comments: await sheetComments(pkg, sheet), numbers, merges: extras.merges });
  }
  return tables;
}

/**
 * The workbook scanned for planning: each sheet's first rows and a summary of the rest
 * (sheet-sample.ts), within `maxCells`; the rows streamed from the zip again by `rows(i)`, with
 * hyperlinked cells marked as in the held sheet.
 */
export async function scanXlsx(file: string, maxCells: number): Promise<WorkbookScan> {
  const pkg = await openXlsxPackage(file);
  const count = cellCounter(file, maxCells);
  const sheets: SheetTable[] = [];
  const links: Array<SheetExtras['hyperlinks']> = [];
  for (const sheet of pkg.sheets) {
    const sampler = new SheetSampler();
    const extras: SheetExtras = { merges: [], hyperlinks: [] };
    for await (const row of sheetRows(pkg, sheet, extras)) {
      count(row);
      sampler.add(row);
    }
    const table = sampler.table({ name: sheet.name, index: sheet.index, hidden: sheet.hidden, comments: await sheetComments(pkg, sheet), merges: extras.merges });
    for (const cells of linkedRows(table.rows, extras.hyperlinks)) (table.rows as Array<readonly CellValue[]>)[cells.row] = cells.cells;
    sheets.push(table);
    links.push(extras.hyperlinks);
  }
  return {
    format: 'xlsx',
    sheets,
    rows(sheetIndex) {
      const rows = sheetRows(pkg, pkg.sheets[sheetIndex]);
      return links[sheetIndex].length ? linked(rows, withLinks(links[sheetIndex])) : rows;
    },
  };
}

async function* linked(rows: AsyncIterable<SheetRow>, mark: (row: SheetRow) => SheetRow): AsyncGenerator<SheetRow> {
  for await (const row of rows) yield mark(row);
}

/** Counts non-empty cells as rows go by; throws past `maxCells`. */
function cellCounter(file: string, maxCells: number): (row: SheetRow) => void {
  let cells = 0;
  return (row) => {
    for (const value of row.cells) if (value !== undefined && ++cells > maxCells) throw tooManyCells(file, maxCells);
  };
}

/** The held rows a hyperlink covers, with their text cells marked (a hyperlink value in exceljs's model, never translated). */
function* linkedRows(rows: ReadonlyArray<readonly CellValue[] | undefined>, ranges: SheetExtras['hyperlinks']): Generator<SheetRow> {
  const rowsHit = new Set<number>();
  for (const range of ranges) for (let r = range.top; r <= Math.min(range.bottom, rows.length - 1); r++) if (rows[r]) rowsHit.add(r);
  const linked = withLinks(ranges);
  for (const row of rowsHit) yield linked({ row, cells: rows[row]! });
}

/**
 * Marks a row's hyperlinked text cells. Most links are one cell: they are looked up by row, and
 * the few ranges over several rows are checked on every row.
 */
function withLinks(ranges: SheetExtras['hyperlinks']): (row: SheetRow) => SheetRow {
  const byRow = new Map<number, Array<SheetExtras['hyperlinks'][number]>>();
  const tall = ranges.filter((range) => range.bottom > range.top);
  for (const range of ranges) if (range.bottom === range.top) byRow.set(range.top, [...(byRow.get(range.top) ?? []), range]);
  return (row) => {
    let cells: CellValue[] | undefined;
    for (const range of [...(byRow.get(row.row) ?? []), ...tall]) {
      if (row.row < range.top || row.row > range.bottom) continue;
      for (let c = range.left; c <= Math.min(range.right, row.cells.length - 1); c++) {
        if (typeof row.cells[c] !== 'string') continue;
        cells ??= row.cells.slice();
        cells[c] = NON_TEXT;
      }
    }
    return cells ? { ...row, cells } : row;
  };
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
