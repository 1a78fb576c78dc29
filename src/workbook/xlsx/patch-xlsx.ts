/**
 * Surgical xlsx write-back: copies the original zip and rewrites only the target cells inside
 * the edited worksheet parts. Every other entry (styles, shared strings, charts, pivot caches,
 * VML, custom XML, extension lists) is copied byte for byte, local header and compressed data
 * included, which a full exceljs rewrite cannot promise.
 *
 * The sheet XML is never parsed as a whole: one pass finds `<row>` segments with indexOf and only
 * rows that carry edits are taken apart. Values are written as inline strings so that
 * sharedStrings.xml (and every `t="s"` index into it) stays untouched.
 *
 * This file groups the edits and ties the pieces together: xlsx-zip.ts reads and rebuilds the
 * zip, locate-sheet-parts.ts maps sheet names to parts, patch-sheet-xml.ts rewrites one part.
 */
import { corruptZip, openZip, readEntry, rebuildZip, writeAtomically, type SourceZip } from './xlsx-zip.ts';
import { locateSheetParts } from './locate-sheet-parts.ts';
import { patchSheetXml, type RowEdits } from './patch-sheet-xml.ts';
import { MalformedSheet } from './sheet-xml-helpers.ts';

/** One cell to set. `row` and `col` are 0-based; a later edit of the same cell wins. */
export interface CellEdit {
  sheetName: string;
  row: number;
  col: number;
  text: string;
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
export async function patchXlsx(inputPath: string, outputPath: string, edits: Iterable<CellEdit>): Promise<void> {
  const zip = await openZip(inputPath);
  const bySheet = groupEdits(edits);
  const parts = bySheet.size > 0 ? await locateSheetParts(zip) : new Map<string, string>();
  const replaced = new Map<string, Buffer>();
  for (const [sheetName, rows] of bySheet) {
    const part = parts.get(sheetName);
    if (part === undefined) throw new Error(`patchXlsx: no sheet named "${sheetName}" in ${zip.fileName}`);
    replaced.set(part, patchPart(zip, part, (await readEntry(zip, part)).toString('utf8'), rows));
  }
  await writeAtomically(outputPath, await rebuildZip(zip, replaced));
}

function patchPart(zip: SourceZip, part: string, xml: string, rows: RowEdits): Buffer {
  try {
    return patchSheetXml(xml, rows);
  } catch (error) {
    if (error instanceof MalformedSheet) throw corruptZip(zip.fileName, `${part} ${error.message}`);
    throw error;
  }
}

function groupEdits(edits: Iterable<CellEdit>): Map<string, RowEdits> {
  const bySheet = new Map<string, RowEdits>();
  for (const { sheetName, row, col, text } of edits) {
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= MAX_ROWS || col >= MAX_COLS) {
      throw new RangeError(`patchXlsx: cell (${row}, ${col}) of "${sheetName}" is outside the sheet`);
    }
    let rows = bySheet.get(sheetName);
    if (!rows) bySheet.set(sheetName, (rows = new Map()));
    let cols = rows.get(row + 1);
    if (!cols) rows.set(row + 1, (cols = new Map()));
    cols.set(col, text);
  }
  return bySheet;
}
