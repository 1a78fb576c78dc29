/**
 * Cell-by-cell comparison of two xlsx workbooks, for end-to-end tests that must prove a
 * translation run changed nothing but its target cells. Reads both files with exceljs and
 * reports every difference instead of stopping at the first, so one failing run shows all
 * that went wrong.
 */
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';

/** One thing that differs; `cell` is absent for sheet-level aspects. */
export interface WorkbookDifference {
  sheet: string;
  /** A1-style address, e.g. `D7`. */
  cell?: string;
  aspect: string;
  expected: unknown;
  actual: unknown;
}

export interface CompareOptions {
  /**
   * Cells (`Sheet!A1`) whose value may differ: the translated targets and new header cells.
   * Their style and note must still match, since write-back must only change the text.
   */
  allowValueChange?: Iterable<string>;
  /**
   * Sheets the actual workbook has after the expected ones (the Review sheet fanyi appends when
   * cells need review). They must come last, in this order; their content is not compared here.
   */
  addedSheets?: readonly string[];
}

/** The cell styles that write-back must never touch. */
const STYLE_ASPECTS = ['font', 'fill', 'numFmt', 'alignment', 'border', 'protection'] as const;

/**
 * Every difference between `expectedPath` and `actualPath`: sheet order, names and visibility,
 * merges, column widths and visibility, row heights, each cell's value and styles, and notes.
 * An empty list means the workbooks are equal outside `allowValueChange`.
 */
export async function compareWorkbooks(expectedPath: string, actualPath: string, options: CompareOptions = {}): Promise<WorkbookDifference[]> {
  const [expected, actual] = await Promise.all([readWorkbook(expectedPath), readWorkbook(actualPath)]);
  const [expectedNotes, actualNotes] = await Promise.all([readNotes(expectedPath), readNotes(actualPath)]);
  const allowed = new Set(options.allowValueChange ?? []);
  const diffs: WorkbookDifference[] = [];
  const names = (book: ExcelJS.Workbook) => book.worksheets.map((sheet) => sheet.name);
  if (!isDeepStrictEqual([...names(expected), ...(options.addedSheets ?? [])], names(actual))) {
    diffs.push({ sheet: '*', aspect: 'sheet names', expected: [...names(expected), ...(options.addedSheets ?? [])], actual: names(actual) });
  }
  for (const sheet of expected.worksheets) {
    const other = actual.getWorksheet(sheet.name);
    if (other) compareSheets(sheet, other, allowed, diffs);
    const [a, b] = [expectedNotes.get(sheet.name) ?? new Map(), actualNotes.get(sheet.name) ?? new Map()];
    for (const ref of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(ref) !== b.get(ref)) diffs.push({ sheet: sheet.name, cell: ref, aspect: 'note', expected: a.get(ref), actual: b.get(ref) });
    }
  }
  return diffs;
}

/** One line per difference, for assertion messages. */
export function formatDifferences(diffs: readonly WorkbookDifference[], limit = 40): string {
  const lines = diffs.slice(0, limit).map((d) => `${d.sheet}${d.cell ? `!${d.cell}` : ''} ${d.aspect}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`);
  if (diffs.length > limit) lines.push(`… and ${diffs.length - limit} more`);
  return lines.join('\n');
}

export async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  return book;
}

function compareSheets(expected: ExcelJS.Worksheet, actual: ExcelJS.Worksheet, allowed: Set<string>, diffs: WorkbookDifference[]): void {
  const push = (aspect: string, a: unknown, b: unknown, cell?: string) => {
    if (!isDeepStrictEqual(emptyAsUndefined(normalize(a)), emptyAsUndefined(normalize(b)))) diffs.push({ sheet: expected.name, cell, aspect, expected: a, actual: b });
  };
  push('state', expected.state, actual.state);
  push('merges', mergesOf(expected), mergesOf(actual));
  push('views', expected.views, actual.views);
  const columns = Math.max(expected.columnCount, actual.columnCount);
  for (let col = 1; col <= columns; col++) {
    const [a, b] = [expected.getColumn(col), actual.getColumn(col)];
    push(`column ${col} width`, a.width, b.width);
    push(`column ${col} hidden`, a.hidden, b.hidden);
  }
  const rows = Math.max(expected.rowCount, actual.rowCount);
  for (let row = 1; row <= rows; row++) push(`row ${row} height`, expected.getRow(row).height, actual.getRow(row).height);
  for (const address of cellAddresses(expected, actual)) compareCells(expected.getCell(address), actual.getCell(address), allowed.has(`${expected.name}!${address}`), push);
}

function compareCells(a: ExcelJS.Cell, b: ExcelJS.Cell, valueMayChange: boolean, push: (aspect: string, a: unknown, b: unknown, cell?: string) => void): void {
  if (!valueMayChange) push('value', a.value, b.value, a.address);
  for (const aspect of STYLE_ASPECTS) push(aspect, a.style?.[aspect], b.style?.[aspect], a.address);
}

/** Addresses of every cell present (even empty but styled) in either sheet. */
function cellAddresses(...sheets: ExcelJS.Worksheet[]): string[] {
  const addresses = new Set<string>();
  for (const sheet of sheets) {
    sheet.eachRow({ includeEmpty: true }, (row) => row.eachCell({ includeEmpty: true }, (cell) => void addresses.add(cell.address)));
  }
  return [...addresses];
}

function mergesOf(sheet: ExcelJS.Worksheet): string[] {
  return [...((sheet.model as { merges?: string[] }).merges ?? [])].sort();
}

/**
 * Notes (legacy comments) per sheet name, `A1` → text, read from the comments parts themselves:
 * exceljs only reports a note on a cell that has a `<c>` element, and a note on an empty cell
 * (a translator's hint on a target cell) has none until the cell is filled.
 */
export async function readNotes(file: string): Promise<Map<string, Map<string, string>>> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const text = async (name: string) => (await zip.file(name)?.async('string')) ?? '';
  const workbookTargets = relationships(await text('xl/_rels/workbook.xml.rels'), 'xl');
  const notes = new Map<string, Map<string, string>>();
  for (const tag of (await text('xl/workbook.xml')).match(/<(?:\w+:)?sheet\s[^>]*>/g) ?? []) {
    const name = unescapeXml(/\sname="([^"]*)"/.exec(tag)?.[1] ?? '');
    const sheetPart = workbookTargets.get(/\sr:id="([^"]*)"/.exec(tag)?.[1] ?? '');
    if (!sheetPart) continue;
    const rels = relationships(await text(posix.join(posix.dirname(sheetPart), '_rels', `${posix.basename(sheetPart)}.rels`)), posix.dirname(sheetPart));
    const comments = [...rels.entries()].filter(([, target]) => /comments\d*\.xml$/.test(target)).map(([, target]) => target);
    const byRef = new Map<string, string>();
    for (const part of comments) {
      for (const match of (await text(part)).matchAll(/<comment\s[^>]*ref="([^"]+)"[^>]*>([\s\S]*?)<\/comment>/g)) {
        byRef.set(match[1], [...match[2].matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((t) => unescapeXml(t[1])).join(''));
      }
    }
    notes.set(name, byRef);
  }
  return notes;
}

/** Relationship id → part path, resolved against `dir`. */
function relationships(xml: string, dir: string): Map<string, string> {
  const targets = new Map<string, string>();
  for (const tag of xml.match(/<Relationship\s[^>]*>/g) ?? []) {
    const id = /\sId="([^"]*)"/.exec(tag)?.[1];
    const target = /\sTarget="([^"]*)"/.exec(tag)?.[1];
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(dir, target)));
  }
  return targets;
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_match, entity: string) => {
    if (entity[0] !== '#') return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[entity];
    return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}

/** Drops `undefined` members and empty objects so `{}` and a missing style compare equal. */
function normalize(value: unknown): unknown {
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(normalize);
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, normalize(v)] as const)
    .filter(([, v]) => !(isPlainObject(v) && Object.keys(v).length === 0));
  return Object.fromEntries(entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function emptyAsUndefined(value: unknown): unknown {
  return isPlainObject(value) && Object.keys(value).length === 0 ? undefined : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}
