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
 * This file takes the edits a sheet at a time (sheet-edits.ts) and ties the pieces together: xlsx-zip.ts reads and rebuilds the
 * zip, locate-sheet-parts.ts maps sheet names to parts, patch-sheet-xml.ts rewrites one part,
 * workbook-package.ts adds parts, highlight-styles.ts clones styles, table-sheet-xml.ts builds a sheet.
 */
import { rm } from 'node:fs/promises';
import { corruptZip, openZip, rebuildZip, stagePart, writeAtomically, type SourceZip, type StagedPart } from './xlsx-zip.ts';
import { entryText } from './zip-entry-stream.ts';
import { HighlightStyles, MINIMAL_STYLES, UnreadableStyles } from './highlight-styles.ts';
import { locateSheetParts } from './locate-sheet-parts.ts';
import { boundsOf, heldSheetEdits, isSheetEdits, mergeRows, RowWindows, unionBounds, type CellEdit, type EditBounds, type SheetEdits } from '../sheet-edits.ts';
import { patchSheetStream, type CellChange, type SheetHighlight } from './patch-sheet-xml.ts';
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

export type { CellEdit } from '../sheet-edits.ts';

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


/**
 * Writes a copy of `inputPath` to `outputPath` with `edits` applied as inline-string cells.
 * Existing cells keep their style and other attributes; missing rows and cells are inserted in
 * order; `<dimension>` grows to cover them. The output is written to a temporary file and renamed,
 * so `outputPath` may equal `inputPath` and a crash never leaves a half-written workbook. Edits as
 * {@link SheetEdits} (a store paging each sheet's results in row order) are taken a window of rows
 * at a time; edits in any other order are grouped in memory first.
 *
 * @throws FanyiError `CORRUPT_FILE` when the zip or the workbook structure cannot be read.
 * @throws Error for an unknown sheet name, an out-of-range address or an edit of a formula cell
 *   (callers only ever target text cells, so these are programming errors).
 */
export async function patchXlsx(inputPath: string, outputPath: string, edits: SheetEdits | Iterable<CellEdit> | AsyncIterable<CellEdit>, extras: PatchExtras = {}): Promise<PatchResult> {
  const zip = await openZip(inputPath);
  const sheetEdits = isSheetEdits(edits) ? edits : await heldSheetEdits(edits);
  const bounds = await sheetEdits.sheets();
  const highlighted = groupHighlights(extras.highlight ?? []);
  const sheets = new Set([...bounds.keys(), ...highlighted.keys()]);
  const pkg = highlighted.size > 0 || extras.appendSheet ? await WorkbookPackage.open(zip) : undefined;
  const styles = highlighted.size > 0 ? await highlightStyles(zip, pkg!) : undefined;
  const parts = sheets.size > 0 ? await locateSheetParts(zip) : new Map<string, string>();
  const replaced = new Map<string, Buffer | StagedPart>();
  const staged: string[] = [];
  try {
    for (const sheetName of sheets) {
      const part = parts.get(sheetName);
      if (part === undefined) throw new Error(`patchXlsx: no sheet named "${sheetName}" in ${zip.fileName}`);
      const cells = highlighted.get(sheetName);
      const highlight = cells && styles && { cells, restyle: styles.styles.restyle };
      // A highlighted cell goes through the patcher as an edit that keeps its value; a real edit of it wins.
      const marks = cells ? highlightMarks(cells) : [];
      const changes = marks.length ? mergeRows<CellChange>(marks, sheetEdits.cells(sheetName)) : sheetEdits.cells(sheetName);
      const sheetBounds = unionBounds(bounds.get(sheetName), boundsOf(marks));
      // Streamed from the original entry, patched a window of rows at a time and deflated into a file beside the output.
      staged.push(`${outputPath}.tmp-${process.pid}-${staged.length}`);
      replaced.set(part, await patchPart(zip, part, staged[staged.length - 1], new RowWindows<CellChange>(changes, `sheet "${sheetName}"`), sheetBounds, highlight));
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

async function patchPart(zip: SourceZip, part: string, file: string, rows: RowWindows<CellChange>, bounds: EditBounds | undefined, highlight?: SheetHighlight): Promise<StagedPart> {
  try {
    return await stagePart(file, patchSheetStream(entryText(zip, part), rows, bounds, highlight));
  } catch (error) {
    if (error instanceof MalformedSheet) throw corruptZip(zip.fileName, `${part} ${error.message}`);
    throw error;
  }
}

/** Highlighted cells per sheet (1-based row → columns). */
function groupHighlights(cells: Iterable<CellAddress>): Map<string, Map<number, Set<number>>> {
  const highlighted = new Map<string, Map<number, Set<number>>>();
  for (const { sheetName, row, col } of cells) {
    let rows = highlighted.get(sheetName);
    if (!rows) highlighted.set(sheetName, (rows = new Map()));
    let set = rows.get(row + 1);
    if (!set) rows.set(row + 1, (set = new Set()));
    set.add(col);
  }
  return highlighted;
}

/** A sheet's highlighted cells as edits that keep their values (text null), in row order. */
function highlightMarks(cells: Map<number, Set<number>>): CellChange[] {
  const marks: CellChange[] = [];
  for (const [row, cols] of cells) for (const col of cols) marks.push({ row: row - 1, col, text: null });
  return marks.sort((a, b) => a.row - b.row);
}
