/**
 * Compares an xlsx written by fanyi with the workbook it came from, through exceljs (cells,
 * styles, notes, rows, columns, sheet settings) and through the zip itself (every part byte for
 * byte). The result lists what changed in pre-existing content — which should be nothing — and
 * the cells that went from empty to filled, which the caller checks against the job.
 */
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { readWorkbook } from './compare-workbooks.ts';

/** A cell that was empty (or absent) in the input and holds a value in the output; 0-based. */
export interface AddedCell {
  sheet: string;
  row: number;
  col: number;
  value: ExcelJS.CellValue;
}

export interface XlsxDiff {
  /** One line per change to something that existed in the input. */
  problems: string[];
  added: AddedCell[];
  /** Zip parts whose uncompressed bytes differ (or that were added or removed). */
  changedParts: string[];
}

/** Cells where a change is expected (`sheet!row:col`, 0-based): their style is not compared. */
export type TargetCells = ReadonlySet<string>;

export const targetKey = (sheet: string, row: number, col: number): string => `${sheet}!${row}:${col}`;

export async function diffXlsx(inputPath: string, outputPath: string, targets: TargetCells = new Set()): Promise<XlsxDiff> {
  const [input, output] = await Promise.all([readWorkbook(inputPath), readWorkbook(outputPath)]);
  const diff: XlsxDiff = { problems: [], added: [], changedParts: await diffZipParts(inputPath, outputPath) };
  compareWorkbook(input, output, diff.problems);
  for (const sheet of input.worksheets) {
    const twin = output.getWorksheet(sheet.name);
    if (!twin) continue; // reported by compareWorkbook
    compareSheetSettings(sheet, twin, diff.problems);
    compareExistingCells(sheet, twin, targets, diff.problems);
    compareRowsAndColumns(sheet, twin, diff.problems);
    diff.added.push(...addedCells(sheet, twin));
  }
  return diff;
}

function compareWorkbook(input: ExcelJS.Workbook, output: ExcelJS.Workbook, problems: string[]): void {
  const describe = (wb: ExcelJS.Workbook) => wb.worksheets.map((ws) => `${ws.name}(${ws.state})`);
  if (!isDeepStrictEqual(describe(input), describe(output))) {
    problems.push(`sheets changed: ${describe(input).join(', ')} → ${describe(output).join(', ')}`);
  }
  if (!isDeepStrictEqual(input.definedNames.model, output.definedNames.model)) problems.push('defined names changed');
}

function compareSheetSettings(a: ExcelJS.Worksheet, b: ExcelJS.Worksheet, problems: string[]): void {
  const merges = (ws: ExcelJS.Worksheet) => [...((ws.model as { merges?: string[] }).merges ?? [])].sort();
  const settings: Array<[string, (ws: ExcelJS.Worksheet) => unknown]> = [
    ['merges', merges],
    ['views', (ws) => ws.views],
    ['autoFilter', (ws) => ws.autoFilter],
    ['properties', (ws) => ws.properties],
    ['pageSetup', (ws) => ws.pageSetup],
    ['headerFooter', (ws) => ws.headerFooter],
    ['dataValidations', (ws) => (ws as unknown as { dataValidations: { model: unknown } }).dataValidations.model],
    ['conditionalFormattings', (ws) => (ws as unknown as { conditionalFormattings: unknown }).conditionalFormattings],
  ];
  for (const [name, read] of settings) {
    if (!isDeepStrictEqual(read(a), read(b))) problems.push(`${a.name}: ${name} changed: ${short(read(a))} → ${short(read(b))}`);
  }
}

/** Every cell the input has (value or style): same value, style and note in the output. */
function compareExistingCells(a: ExcelJS.Worksheet, b: ExcelJS.Worksheet, targets: TargetCells, problems: string[]): void {
  a.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    row.eachCell({ includeEmpty: true }, (cell, colNumber) => {
      const twin = b.getCell(rowNumber, colNumber);
      const where = `${a.name}!${cell.address}`;
      const isTarget = targets.has(targetKey(a.name, rowNumber - 1, colNumber - 1));
      if (isEmptyValue(cell.value) && isTarget) return; // an empty target cell may be filled and restyled
      if (!isDeepStrictEqual(cell.value, twin.value)) problems.push(`${where}: value ${short(cell.value)} → ${short(twin.value)}`);
      if (!isDeepStrictEqual(cell.style, twin.style)) problems.push(`${where}: style ${short(cell.style)} → ${short(twin.style)}`);
      if (!isDeepStrictEqual(cell.note, twin.note)) problems.push(`${where}: note ${short(cell.note)} → ${short(twin.note)}`);
    });
  });
}

function compareRowsAndColumns(a: ExcelJS.Worksheet, b: ExcelJS.Worksheet, problems: string[]): void {
  const rowProps = (row: ExcelJS.Row) => ({ height: row.height, hidden: row.hidden, outlineLevel: row.outlineLevel });
  a.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const [before, after] = [rowProps(row), rowProps(b.getRow(rowNumber))];
    if (!isDeepStrictEqual(before, after)) problems.push(`${a.name} row ${rowNumber}: ${short(before)} → ${short(after)}`);
  });
  const colProps = (col: ExcelJS.Column) => ({ width: col.width, hidden: col.hidden, outlineLevel: col.outlineLevel, style: col.style });
  for (let col = 1; col <= a.columnCount; col++) {
    const [before, after] = [colProps(a.getColumn(col)), colProps(b.getColumn(col))];
    if (!isDeepStrictEqual(before, after)) problems.push(`${a.name} column ${col}: ${short(before)} → ${short(after)}`);
  }
}

function addedCells(a: ExcelJS.Worksheet, b: ExcelJS.Worksheet): AddedCell[] {
  const added: AddedCell[] = [];
  b.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    row.eachCell({ includeEmpty: false }, (cell, colNumber) => {
      if (!isEmptyValue(cell.value) && isEmptyValue(a.findCell(rowNumber, colNumber)?.value)) {
        added.push({ sheet: a.name, row: rowNumber - 1, col: colNumber - 1, value: cell.value });
      }
    });
  });
  return added;
}

function isEmptyValue(value: ExcelJS.CellValue | undefined): boolean {
  return value === null || value === undefined || value === '';
}

/** Names of zip entries whose content differs between the two files. */
export async function diffZipParts(inputPath: string, outputPath: string): Promise<string[]> {
  const [a, b] = await Promise.all([inputPath, outputPath].map(async (file) => JSZip.loadAsync(await readFile(file))));
  const names = new Set([...Object.keys(a.files), ...Object.keys(b.files)]);
  const changed: string[] = [];
  for (const name of [...names].sort()) {
    const [x, y] = [a.file(name), b.file(name)];
    if (!x || !y) {
      if (a.files[name]?.dir && b.files[name]?.dir) continue;
      changed.push(name);
      continue;
    }
    const [bx, by] = await Promise.all([x.async('nodebuffer'), y.async('nodebuffer')]);
    if (!bx.equals(by)) changed.push(name);
  }
  return changed;
}

/** Maps sheet names to their worksheet part (`xl/worksheets/sheet3.xml`) via the workbook rels. */
export async function sheetParts(file: string): Promise<Map<string, string>> {
  const zip = await JSZip.loadAsync(await readFile(file));
  const workbook = (await zip.file('xl/workbook.xml')?.async('string')) ?? '';
  const rels = (await zip.file('xl/_rels/workbook.xml.rels')?.async('string')) ?? '';
  const targets = new Map<string, string>();
  for (const tag of rels.match(/<Relationship\s[^>]*>/g) ?? []) {
    const id = /\sId="([^"]*)"/.exec(tag)?.[1];
    const target = /\sTarget="([^"]*)"/.exec(tag)?.[1];
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  }
  const parts = new Map<string, string>();
  for (const tag of workbook.match(/<sheet\s[^>]*>/g) ?? []) {
    const name = /\sname="([^"]*)"/.exec(tag)?.[1];
    const id = /\sr:id="([^"]*)"/.exec(tag)?.[1];
    if (name && id && targets.has(id)) parts.set(unescapeXml(name), targets.get(id)!);
  }
  return parts;
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
}

/** The visible text of a cell value: plain strings and rich text runs joined. */
export function cellText(value: ExcelJS.CellValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'richText' in value) return value.richText.map((run) => run.text).join('');
  return undefined;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
