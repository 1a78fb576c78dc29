/**
 * Surgical xlsx write-back: copies the original zip and rewrites only the target cells inside
 * the edited worksheet parts. Every other entry (styles, shared strings, charts, pivot caches,
 * VML, custom XML, extension lists) keeps its exact bytes, which a full exceljs rewrite cannot
 * promise, and a 100k-row sheet patches in a fraction of the time.
 *
 * The sheet XML is never parsed as a whole: one pass finds `<row>` segments with indexOf and only
 * rows that carry edits are taken apart. Values are written as inline strings so that
 * sharedStrings.xml (and every `t="s"` index into it) stays untouched.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import JSZip from 'jszip';
import { FanyiError } from '../../errors.ts';

/** One cell to set. `row` and `col` are 0-based; a later edit of the same cell wins. */
export interface CellEdit {
  sheetName: string;
  row: number;
  col: number;
  text: string;
}

/** 1-based row number → 0-based column → text. */
type RowEdits = Map<number, Map<number, string>>;

const MAX_ROWS = 1_048_576;
const MAX_COLS = 16_384;

/**
 * Writes a copy of `inputPath` to `outputPath` with `edits` applied as inline-string cells.
 * Existing cells keep their style and other attributes; missing rows and cells are inserted in
 * order; `<dimension>` grows to cover them. The output is written to a temporary file and renamed,
 * so `outputPath` may equal `inputPath` and a crash never leaves a half-written workbook.
 *
 * @throws FanyiError `CORRUPT_FILE` when the workbook structure or a sheet part cannot be found.
 * @throws Error for an unknown sheet name, an out-of-range address or an edit of a formula cell
 *   (callers only ever target text cells, so these are programming errors).
 */
export async function patchXlsx(inputPath: string, outputPath: string, edits: Iterable<CellEdit>): Promise<void> {
  const zip = await JSZip.loadAsync(await readFile(inputPath));
  const bySheet = groupEdits(edits);
  const parts = bySheet.size > 0 ? await locateSheetParts(zip, inputPath) : new Map<string, string>();
  for (const [sheetName, rows] of bySheet) {
    const part = parts.get(sheetName);
    if (part === undefined) throw new Error(`patchXlsx: no sheet named "${sheetName}" in ${posix.basename(inputPath)}`);
    await patchPart(zip, part, rows);
  }
  // Entries left alone are re-emitted from their original compressed bytes (JSZip reuses them
  // when the method matches), so only the patched parts are deflated again.
  const output = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
  await writeAtomically(outputPath, output);
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

async function patchPart(zip: JSZip, part: string, rows: RowEdits): Promise<void> {
  const file = zip.file(part);
  if (!file) throw new FanyiError('CORRUPT_FILE', `the workbook lists ${part} but the file lacks it; re-save it in Excel and try again`);
  const xml = await file.async('string');
  // createFolders would add directory entries that the original zip did not have.
  zip.file(part, patchSheetXml(xml, rows), { date: file.date, createFolders: false });
}

async function writeAtomically(outputPath: string, data: Buffer): Promise<void> {
  const temporary = `${outputPath}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, outputPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

// ---- workbook structure -------------------------------------------------------------------

/** Maps sheet names to zip entry names via the package and workbook relationships. */
async function locateSheetParts(zip: JSZip, inputPath: string): Promise<Map<string, string>> {
  const workbookPart = relationshipTargets(await readPart(zip, '_rels/.rels', inputPath), '')
    .find((rel) => rel.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const dir = posix.dirname(workbookPart);
  const relsXml = await readPart(zip, posix.join(dir, '_rels', `${posix.basename(workbookPart)}.rels`), inputPath);
  const targets = new Map(relationshipTargets(relsXml, dir).map((rel) => [rel.id, rel.target]));
  const parts = new Map<string, string>();
  for (const tag of (await readPart(zip, workbookPart, inputPath)).match(/<(?:\w+:)?sheet\s[^>]*>/g) ?? []) {
    const name = attribute(tag, 'name');
    const target = targets.get(/\s\w+:id\s*=\s*["']([^"']*)/.exec(tag)?.[1] ?? '');
    if (name !== undefined && target !== undefined) parts.set(unescapeXml(name), target);
  }
  return parts;
}

async function readPart(zip: JSZip, name: string, inputPath: string): Promise<string> {
  const file = zip.file(name);
  if (!file) throw new FanyiError('CORRUPT_FILE', `${posix.basename(inputPath)} has no ${name}, so it is not a valid xlsx; re-save it in Excel and try again`);
  return file.async('string');
}

/** Targets are relative to the source part's folder unless absolute (leading "/"). */
function relationshipTargets(xml: string, dir: string): Array<{ id: string; type: string; target: string }> {
  return (xml.match(/<(?:\w+:)?Relationship\s[^>]*>/g) ?? []).map((tag) => {
    const target = unescapeXml(attribute(tag, 'Target') ?? '');
    const resolved = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(dir, target));
    return { id: attribute(tag, 'Id') ?? '', type: attribute(tag, 'Type') ?? '', target: resolved };
  });
}

// ---- sheet XML ----------------------------------------------------------------------------

/** Element names with the namespace prefix the sheet uses (some writers emit `x:`). */
interface SheetNames {
  prefix: string;
  columnStyles: Array<{ min: number; max: number; style: string }>;
}

function patchSheetXml(xml: string, rows: RowEdits): string {
  const prefix = /<(\w+:)?worksheet[\s>]/.exec(xml)?.[1] ?? '';
  const open = xml.indexOf(`<${prefix}sheetData`);
  const openEnd = xml.indexOf('>', open);
  if (open < 0 || openEnd < 0) throw new FanyiError('CORRUPT_FILE', 'a worksheet has no <sheetData>; re-save the workbook in Excel and try again');
  const head = xml.slice(0, open);
  const names: SheetNames = { prefix, columnStyles: columnStyles(head) };
  const patchedHead = updateDimension(head, rows);
  if (xml[openEnd - 1] === '/') {
    const body = patchRows(xml, openEnd + 1, openEnd + 1, rows, names);
    return `${patchedHead}<${prefix}sheetData>${body}</${prefix}sheetData>${xml.slice(openEnd + 1)}`;
  }
  const close = xml.lastIndexOf(`</${prefix}sheetData>`);
  return patchedHead + xml.slice(open, openEnd + 1) + patchRows(xml, openEnd + 1, close, rows, names) + xml.slice(close);
}

/**
 * One linear scan over `<row>` segments; untouched rows are copied in long slices and the result
 * is assembled in a single array, because per-row strings would cost more than the scan.
 */
function patchRows(xml: string, start: number, end: number, rows: RowEdits, names: SheetNames): string {
  const pending = [...rows.keys()].sort((a, b) => a - b);
  const rowOpen = `<${names.prefix}row`;
  const rowClose = `</${names.prefix}row>`;
  const out: string[] = [];
  let next = 0;
  let copied = start;
  let rowNumber = 0;
  for (let pos = findTag(xml, rowOpen, start, end); pos >= 0 && next < pending.length; pos = findTag(xml, rowOpen, pos, end)) {
    const tagEnd = xml.indexOf('>', pos);
    const tag = xml.slice(pos, tagEnd + 1);
    // Rows without r follow the previous row (ECMA-376 §18.3.1.73).
    rowNumber = Number(attribute(tag, 'r') ?? rowNumber + 1);
    const rowEnd = elementEnd(xml, tag, tagEnd, rowClose);
    if (pending[next] <= rowNumber) {
      out.push(xml.slice(copied, pos));
      for (; pending[next] < rowNumber; next++) newRow(out, pending[next], rows, names);
      copied = pos;
    }
    if (pending[next] === rowNumber) {
      const row = rowContext(rowNumber, tag, rows.get(pending[next++])!, names);
      patchRow(out, row, tag, xml.slice(tagEnd + 1, rowEnd));
      copied = rowEnd;
    }
    pos = rowEnd;
  }
  out.push(xml.slice(copied, end));
  for (; next < pending.length; next++) newRow(out, pending[next], rows, names);
  return out.join('');
}

function newRow(out: string[], rowNumber: number, rows: RowEdits, names: SheetNames): void {
  const tag = `<${names.prefix}row r="${rowNumber}"/>`;
  patchRow(out, rowContext(rowNumber, tag, rows.get(rowNumber)!, names), tag, '');
}

/** What the cells of one edited row need. */
interface RowContext {
  rowNumber: number;
  rowStyle: string | undefined;
  edits: Map<number, string>;
  /** Edited columns, ascending. */
  cols: number[];
  names: SheetNames;
}

function rowContext(rowNumber: number, rowTag: string, edits: Map<number, string>, names: SheetNames): RowContext {
  const customFormat = attribute(rowTag, 'customFormat');
  const rowStyle = customFormat === '1' || customFormat === 'true' ? attribute(rowTag, 's') : undefined;
  const cols = edits.size === 1 ? [...edits.keys()] : [...edits.keys()].sort((a, b) => a - b);
  return { rowNumber, rowStyle, edits, cols, names };
}

/** A cell as found in a row: `[start, end)` within the row content, its column and open tag. */
interface CellSpan {
  start: number;
  end: number;
  col: number;
  tag: string;
}

/**
 * Appends one rewritten row to `out`. `content` is everything after the open tag, including
 * `</row>` (empty for a self-closing row). New cells go before the first cell with a greater
 * column, else after the last cell, so anything else a row holds (extLst) stays after them.
 */
function patchRow(out: string[], row: RowContext, rowTag: string, content: string): void {
  const { cols, edits, names } = row;
  const cells = scanCells(content, names.prefix);
  out.push(openRowTag(rowTag, cols));
  let copied = 0;
  let i = 0;
  for (const cell of cells) {
    if (i === cols.length) break;
    if (cols[i] > cell.col) continue;
    out.push(content.slice(copied, cell.start));
    copied = cell.start;
    for (; i < cols.length && cols[i] < cell.col; i++) out.push(newCell(row, cols[i]));
    if (cols[i] !== cell.col) continue;
    out.push(replaceCell(content.slice(cell.start, cell.end), cell.tag, edits.get(cols[i++])!, names.prefix));
    copied = cell.end;
  }
  const insertAt = Math.max(copied, cells.length > 0 ? cells[cells.length - 1].end : 0);
  out.push(content.slice(copied, insertAt));
  for (; i < cols.length; i++) out.push(newCell(row, cols[i]));
  out.push(content === '' ? `</${names.prefix}row>` : content.slice(insertAt));
}

function newCell(row: RowContext, col: number): string {
  const style = styleFor(col, row.rowStyle, row.names);
  return cellXml(`r="${cellRef(row.rowNumber, col)}"${style}`, row.edits.get(col)!, row.names.prefix);
}

function scanCells(content: string, prefix: string): CellSpan[] {
  const cells: CellSpan[] = [];
  let col = -1;
  for (let pos = findTag(content, `<${prefix}c`, 0, content.length); pos >= 0; pos = findTag(content, `<${prefix}c`, pos, content.length)) {
    const tagEnd = content.indexOf('>', pos);
    const tag = content.slice(pos, tagEnd + 1);
    const ref = attribute(tag, 'r');
    col = ref === undefined ? col + 1 : columnIndex(ref);
    const end = elementEnd(content, tag, tagEnd, `</${prefix}c>`);
    cells.push({ start: pos, end, col, tag });
    pos = end;
  }
  return cells;
}

/** Keeps every attribute but `t`; refuses formula cells, whose calcChain entry must stay valid. */
function replaceCell(cellXmlText: string, tag: string, text: string, prefix: string): string {
  if (findTag(cellXmlText, `<${prefix}f`, 0, cellXmlText.length) >= 0) {
    throw new Error(`patchXlsx: cell ${attribute(tag, 'r') ?? ''} holds a formula; only text cells may be patched`);
  }
  const attributes = tag.slice(prefix.length + 2, tag.endsWith('/>') ? -2 : -1);
  const kept = attribute(tag, 't') === undefined ? attributes : attributes.replace(/\st\s*=\s*("[^"]*"|'[^']*')/, '');
  return cellXml(kept.trim(), text, prefix);
}

function cellXml(attributes: string, text: string, p: string): string {
  const escaped = escapeText(text);
  const space = /^\s|\s$|[\t\n\r]/.test(text) ? ' xml:space="preserve"' : '';
  return `<${p}c ${attributes} t="inlineStr"><${p}is><${p}t${space}>${escaped}</${p}t></${p}is></${p}c>`;
}

/** Without `spans` a row needs nothing; with it, widen the hint so it covers the new cells. */
function openRowTag(rowTag: string, cols: number[]): string {
  const open = rowTag.endsWith('/>') ? `${rowTag.slice(0, -2).trimEnd()}>` : rowTag;
  const spans = attribute(open, 'spans');
  if (spans === undefined || cols.length === 0) return open;
  const colon = spans.indexOf(':');
  const [first, last] = [Number(spans.slice(0, colon)), Number(spans.slice(spans.lastIndexOf(':') + 1))];
  const [min, max] = [Math.min(first, cols[0] + 1), Math.max(last, cols[cols.length - 1] + 1)];
  if (min === first && max === last) return open;
  return open.replace(/(\sspans\s*=\s*)("[^"]*"|'[^']*')/, `$1"${min}:${max}"`);
}

/**
 * A new cell takes the style Excel would give a cell typed there: the row's when the row is
 * custom-formatted, else its column's. Without it, a styled column would lose wrap/fill there.
 */
function styleFor(col: number, rowStyle: string | undefined, names: SheetNames): string {
  const style = rowStyle ?? names.columnStyles.find((range) => col + 1 >= range.min && col + 1 <= range.max)?.style;
  return style === undefined || style === '0' ? '' : ` s="${style}"`;
}

function columnStyles(head: string): SheetNames['columnStyles'] {
  return (head.match(/<(?:\w+:)?col\s[^>]*>/g) ?? []).flatMap((tag) => {
    const style = attribute(tag, 'style');
    return style === undefined ? [] : [{ min: Number(attribute(tag, 'min')), max: Number(attribute(tag, 'max')), style }];
  });
}

function updateDimension(head: string, rows: RowEdits): string {
  return head.replace(/(<(?:\w+:)?dimension\s+ref\s*=\s*)("[^"]*"|'[^']*')/, (_match, lead: string, quoted: string) => {
    const [first, last = first] = quoted.slice(1, -1).split(':');
    const box = { top: rowOf(first), left: columnIndex(first), bottom: rowOf(last), right: columnIndex(last) };
    // An unreadable ref is replaced by the edits' own bounds rather than kept wrong.
    if (!(box.top >= 1 && box.left >= 0 && box.bottom >= box.top && box.right >= box.left)) Object.assign(box, { top: Infinity, left: Infinity, bottom: 0, right: 0 });
    for (const [row, cols] of rows) {
      box.top = Math.min(box.top, row);
      box.bottom = Math.max(box.bottom, row);
      for (const col of cols.keys()) Object.assign(box, { left: Math.min(box.left, col), right: Math.max(box.right, col) });
    }
    return `${lead}"${cellRef(box.top, box.left)}:${cellRef(box.bottom, box.right)}"`;
  });
}

// ---- small XML helpers ----------------------------------------------------------------------

/** Finds `<name` followed by whitespace, `>` or `/`, so `<c` never matches `<col`. */
function findTag(xml: string, open: string, from: number, end: number): number {
  for (let pos = xml.indexOf(open, from); pos >= 0 && pos < end; pos = xml.indexOf(open, pos + 1)) {
    const after = xml.charCodeAt(pos + open.length);
    if (after === 32 || after === 62 || after === 47 || after === 9 || after === 10 || after === 13) return pos;
  }
  return -1;
}

/** Index just past the element whose open tag ends at `tagEnd`. */
function elementEnd(xml: string, tag: string, tagEnd: number, closeTag: string): number {
  if (tag.endsWith('/>')) return tagEnd + 1;
  const close = xml.indexOf(closeTag, tagEnd);
  if (close < 0) throw new FanyiError('CORRUPT_FILE', `a worksheet has an unclosed ${tag.slice(0, 40)}; re-save the workbook in Excel and try again`);
  return close + closeTag.length;
}

const attributePatterns = new Map<string, RegExp>();

/** Runs several times per edited cell, so the usual `name="value"` form skips the regex. */
function attribute(tag: string, name: string): string | undefined {
  const at = tag.indexOf(` ${name}="`);
  if (at >= 0) return tag.slice(at + name.length + 3, tag.indexOf('"', at + name.length + 3));
  if (!tag.includes(name)) return undefined;
  let pattern = attributePatterns.get(name);
  if (!pattern) attributePatterns.set(name, (pattern = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)));
  const match = pattern.exec(tag);
  return match ? (match[1] ?? match[2]) : undefined;
}

function columnIndex(ref: string): number {
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i) | 0x20;
    if (code < 97 || code > 122) break;
    col = col * 26 + (code - 96);
  }
  return col - 1;
}

function rowOf(ref: string): number {
  return Number(ref.replace(/^[A-Za-z$]+/, '').replace('$', ''));
}

function cellRef(row: number, col: number): string {
  let letters = '';
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row}`;
}

/**
 * Escapes markup, drops characters XML 1.0 forbids (control characters, lone surrogates,
 * U+FFFE/U+FFFF), keeps CR as a character reference so parsers do not fold CRLF, and guards
 * literal `_xHHHH_`, which Excel would otherwise decode as an escaped character.
 */
function escapeText(text: string): string {
  // Most texts need nothing; one regex test keeps that case cheap.
  if (!NEEDS_ESCAPE.test(text)) return text;
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const replacement = escapeAt(text, i);
    if (replacement === undefined) continue;
    out += text.slice(copied, i) + replacement;
    copied = i + 1;
  }
  return out + text.slice(copied);
}

const NEEDS_ESCAPE = /[\x00-\x08\x0B\x0C\x0E-\x1F&<>"\r_\uD800-\uDFFF\uFFFE\uFFFF]/;
const MARKUP: Record<number, string> = { 0x26: '&amp;', 0x3c: '&lt;', 0x3e: '&gt;', 0x22: '&quot;', 0x0d: '&#13;' };
const EXCEL_ESCAPE = /^x[0-9A-Fa-f]{4}_/;

/** What replaces the UTF-16 unit at `i`: undefined to keep it, '' to drop it. */
function escapeAt(text: string, i: number): string | undefined {
  const c = text.charCodeAt(i);
  if (MARKUP[c] !== undefined) return MARKUP[c];
  if (c === 0x5f) return EXCEL_ESCAPE.test(text.slice(i + 1, i + 7)) ? '_x005F_' : undefined;
  if (c < 0x20) return c === 0x09 || c === 0x0a ? undefined : '';
  if (c >= 0xd800 && c <= 0xdbff) return isLowSurrogate(text.charCodeAt(i + 1)) ? undefined : '';
  if (c >= 0xdc00 && c <= 0xdfff) return i > 0 && isHighSurrogate(text.charCodeAt(i - 1)) ? undefined : '';
  return c === 0xfffe || c === 0xffff ? '' : undefined;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_match, entity: string) => {
    if (entity[0] !== '#') return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity]!;
    return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}
