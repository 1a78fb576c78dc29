/**
 * Surgical xlsx write-back: copies the original zip and rewrites only the target cells inside
 * the edited worksheet parts. Every other entry (styles, shared strings, charts, pivot caches,
 * VML, custom XML, extension lists) is copied byte for byte, local header and compressed data
 * included, which a full exceljs rewrite cannot promise.
 *
 * The sheet XML is never held or parsed as a whole: it is inflated, patched and deflated again as
 * a stream of row windows (into a file beside the output, then copied into the zip); one pass
 * finds `<row>` segments with indexOf and only rows that carry edits are taken apart. Values are written as inline strings so that
 * sharedStrings.xml (and every `t="s"` index into it) stays untouched.
 *
 * Two extras change more than target cells, and only when asked: a table sheet appended (the
 * Review sheet: a new part, plus one element each in the workbook, its relationships and the
 * content types) and highlighted cells (cloned styles appended to styles.xml).
 *
 * This file groups the edits and ties the pieces together: xlsx-zip.ts reads and rebuilds the
 * zip, locate-sheet-parts.ts maps sheet names to parts, patch-sheet-xml.ts rewrites one part,
 * workbook-package.ts adds parts, highlight-styles.ts clones styles, table-sheet-xml.ts builds a sheet.
 */
import { rm } from 'node:fs/promises';
import { corruptZip, openZip, rebuildZip, stagePart, writeAtomically, type SourceZip, type StagedPart } from './xlsx-zip.ts';
import { entryText } from './zip-entry-stream.ts';
import { HighlightStyles, MINIMAL_STYLES, UnreadableStyles } from './highlight-styles.ts';
import { locateSheetParts } from './locate-sheet-parts.ts';
import { patchSheetStream, type RowEdits, type SheetHighlight } from './patch-sheet-xml.ts';
import { MalformedSheet } from './sheet-xml-helpers.ts';
import { tableSheetXml, type TableSheet } from './table-sheet-xml.ts';
import { WorkbookPackage } from './workbook-package.ts';

export type { TableSheet } from './table-sheet-xml.ts';

/** One cell, 0-based. */
export interface CellAddress {
  sheetName: string;
  row: number;
  col: number;
}

/** One cell to set; a later edit of the same cell wins. */
export interface CellEdit extends CellAddress {
  text: string;
}

/** What a write may add beyond the edits; nothing unless given. */
export interface PatchExtras {
  /** Cells to give a visible fill (`--highlight`); their values change only where `edits` set them. */
  highlight?: Iterable<CellAddress>;
  /** A sheet appended after the last one. */
  appendSheet?: TableSheet;
}

export interface PatchResult {
  /** The name the appended sheet got (`Review (2)` when `Review` was taken). */
  appendedSheet?: string;
}

const MAX_ROWS = 1_048_576;
const MAX_COLS = 16_384;

/**
 * Writes a copy of `inputPath` to `outputPath` with `edits` applied as inline-string cells.
 * Existing cells keep their style and other attributes; missing rows and cells are inserted in
 * order; `<dimension>` grows to cover them. The output is written to a temporary file and renamed,
 * so `outputPath` may equal `inputPath` and a crash never leaves a half-written workbook.
 *
 * @throws FanyiError `CORRUPT_FILE` when the zip or the workbook structure cannot be read.
 * @throws Error for an unknown sheet name, an out-of-range address or an edit of a formula cell
 *   (callers only ever target text cells, so these are programming errors).
 */
export async function patchXlsx(inputPath: string, outputPath: string, edits: Iterable<CellEdit> | AsyncIterable<CellEdit>, extras: PatchExtras = {}): Promise<PatchResult> {
  const zip = await openZip(inputPath);
  const bySheet = await groupEdits(edits);
  const highlighted = groupHighlights(extras.highlight ?? [], bySheet);
  const pkg = highlighted.size > 0 || extras.appendSheet ? await WorkbookPackage.open(zip) : undefined;
  const styles = highlighted.size > 0 ? await highlightStyles(zip, pkg!) : undefined;
  const parts = bySheet.size > 0 ? await locateSheetParts(zip) : new Map<string, string>();
  const replaced = new Map<string, Buffer | StagedPart>();
  const staged: string[] = [];
  try {
    for (const [sheetName, rows] of bySheet) {
      const part = parts.get(sheetName);
      if (part === undefined) throw new Error(`patchXlsx: no sheet named "${sheetName}" in ${zip.fileName}`);
      const cells = highlighted.get(sheetName);
      const highlight = cells && styles && { cells, restyle: styles.styles.restyle };
      // Streamed from the original entry, patched a window of rows at a time and deflated into a file beside the output.
      staged.push(`${outputPath}.tmp-${process.pid}-${staged.length}`);
      replaced.set(part, await patchPart(zip, part, staged[staged.length - 1], rows, highlight));
    }
    if (styles?.styles.isUsed) pkg!.setPart(styles.part, styles.styles.toXml());
    const appendedSheet = extras.appendSheet && pkg!.addWorksheet(extras.appendSheet.name, tableSheetXml(extras.appendSheet, pkg!.namespace));
    const added = pkg?.parts();
    for (const [part, xml] of added?.replaced ?? []) replaced.set(part, xml);
    await writeAtomically(outputPath, await rebuildZip(zip, replaced, added?.added));
    return appendedSheet ? { appendedSheet } : {};
  } finally {
    await Promise.all(staged.map((file) => rm(file, { force: true })));
  }
}

async function highlightStyles(zip: SourceZip, pkg: WorkbookPackage): Promise<{ part: string; styles: HighlightStyles }> {
  const { part, xml } = await pkg.styles(MINIMAL_STYLES);
  try {
    return { part, styles: new HighlightStyles(xml) };
  } catch (error) {
    if (error instanceof UnreadableStyles) throw corruptZip(zip.fileName, `${part} ${error.message}`);
    throw error;
  }
}

async function patchPart(zip: SourceZip, part: string, file: string, rows: RowEdits, highlight?: SheetHighlight): Promise<StagedPart> {
  try {
    return await stagePart(file, patchSheetStream(entryText(zip, part), rows, highlight));
  } catch (error) {
    if (error instanceof MalformedSheet) throw corruptZip(zip.fileName, `${part} ${error.message}`);
    throw error;
  }
}

/** Edits may come as an async stream (results paged from the store): only the grouped cells are held. */
async function groupEdits(edits: Iterable<CellEdit> | AsyncIterable<CellEdit>): Promise<Map<string, RowEdits>> {
  const bySheet = new Map<string, RowEdits>();
  for await (const { sheetName, row, col, text } of edits) cellsOf(bySheet, sheetName, row, col).set(col, text);
  return bySheet;
}

/**
 * Highlighted cells per sheet (1-based row → columns). A highlighted cell that is not edited gets
 * a `null` edit, so the sheet patcher visits it and keeps its value.
 */
function groupHighlights(cells: Iterable<CellAddress>, bySheet: Map<string, RowEdits>): Map<string, Map<number, Set<number>>> {
  const highlighted = new Map<string, Map<number, Set<number>>>();
  for (const { sheetName, row, col } of cells) {
    const cols = cellsOf(bySheet, sheetName, row, col);
    if (!cols.has(col)) cols.set(col, null);
    let rows = highlighted.get(sheetName);
    if (!rows) highlighted.set(sheetName, (rows = new Map()));
    let set = rows.get(row + 1);
    if (!set) rows.set(row + 1, (set = new Set()));
    set.add(col);
  }
  return highlighted;
}

/** The edits of one row (created empty), after checking the address. */
function cellsOf(bySheet: Map<string, RowEdits>, sheetName: string, row: number, col: number): Map<number, string | null> {
  if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= MAX_ROWS || col >= MAX_COLS) {
    throw new RangeError(`patchXlsx: cell (${row}, ${col}) of "${sheetName}" is outside the sheet`);
  }
  let rows = bySheet.get(sheetName);
  if (!rows) bySheet.set(sheetName, (rows = new Map()));
  let cols = rows.get(row + 1);
  if (!cols) rows.set(row + 1, (cols = new Map()));
  return cols;
}
