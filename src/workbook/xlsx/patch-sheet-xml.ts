/**
 * Rewrites the target cells of one worksheet part, as a stream. The sheet XML is never parsed as
 * a whole: one pass finds `<row>` segments with indexOf and only rows that carry edits are taken apart. Values
 * are written as inline strings so that sharedStrings.xml (and every `t="s"` index into it) stays
 * untouched.
 */
import { attribute, columnIndex, columnName, elementEnd, escapeText, findTag, MalformedSheet, setAttribute, updateDimension, withAttribute } from './sheet-xml-helpers.ts';
import type { EditBounds, RowWindows } from '../sheet-edits.ts';
import { Utf8Sink } from './utf8-sink.ts';

/** 1-based row number → 0-based column → text; null keeps the cell's value (a cell only highlighted). */
export type RowEdits = Map<number, Map<number, string | null>>;

/** One cell to change, 0-based; `text` null keeps its value (a cell only highlighted). */
export interface CellChange {
  row: number;
  col: number;
  text: string | null;
}

const MAX_ROWS = 1_048_576;
const MAX_COLS = 16_384;

/** Cells to restyle (`--highlight`): 1-based row → 0-based columns, and the style that replaces a cell's own. */
export interface SheetHighlight {
  cells: Map<number, Set<number>>;
  /** The highlighted twin of cellXfs index `style` (undefined: the default, 0). */
  restyle(style: string | undefined): string;
}

/** Tag strings with the namespace prefix the sheet uses (some writers emit `x:`), and what every row needs. */
interface SheetNames {
  prefix: string;
  rowOpen: string;
  rowClose: string;
  cellOpen: string;
  cellClose: string;
  formulaOpen: string;
  /** What follows a new cell's attributes up to the `<t` of its inline string, and what closes it. */
  inlineOpen: string;
  inlineClose: string;
  columnStyles: Array<{ min: number; max: number; style: string }>;
  highlight: SheetHighlight | undefined;
}

/** Where the row scan stands between windows: the window's sorted edited rows, the next one due, the last row number seen. */
interface ScanState {
  pending: number[];
  next: number;
  rowNumber: number;
}

/**
 * The patched part as UTF-8 chunks, rows in, rows out: `chunks` is the part's text as it is
 * inflated, and only a window of whole rows (up to the last `</row>` received) is held and patched
 * at a time, with the edits of its rows (taken from `edits`, which holds the rest unread), so a
 * 1,000,000-row sheet never sits in memory as one string, nor does its output, nor do its edits.
 * A sheet of self-closing rows only has no `</row>` to cut at and is held until `</sheetData>`.
 * `bounds` (0-based) widen `<dimension>`. Every cell in `highlight` must come as an edit too.
 */
export async function* patchSheetStream(chunks: AsyncIterable<string>, edits: RowWindows<CellChange>, bounds: EditBounds | undefined, highlight?: SheetHighlight): AsyncGenerator<Buffer> {
  const source = chunks[Symbol.asyncIterator]();
  let xml = '';
  const more = async (): Promise<boolean> => {
    const next = await source.next();
    if (next.done) return false;
    xml += next.value;
    return true;
  };
  let p = '';
  let open = -1;
  let openEnd = -1;
  do {
    p = /<(\w+:)?worksheet[\s>]/.exec(xml)?.[1] ?? '';
    open = xml.indexOf(`<${p}sheetData`);
    openEnd = open < 0 ? -1 : xml.indexOf('>', open);
  } while (openEnd < 0 && (await more()));
  if (open < 0 || openEnd < 0) throw new MalformedSheet('has no <sheetData>');
  const head = xml.slice(0, open);
  const names: SheetNames = {
    prefix: p, rowOpen: `<${p}row`, rowClose: `</${p}row>`, cellOpen: `<${p}c`, cellClose: `</${p}c>`, formulaOpen: `<${p}f`,
    inlineOpen: ` t="inlineStr"><${p}is><${p}t`, inlineClose: `</${p}t></${p}is></${p}c>`, columnStyles: columnStyles(head), highlight,
  };
  const state: ScanState = { pending: [], next: 0, rowNumber: 0 };
  /** The edits of the rows up to `lastRow` (1-based), due in the window about to be patched. */
  const window = async (lastRow: number): Promise<RowEdits> => {
    const rows = rowEdits(await edits.take(lastRow - 1));
    state.pending = [...rows.keys()].sort((a, b) => a - b);
    state.next = 0;
    return rows;
  };
  const out = new Utf8Sink();
  out.push(updateDimension(head, bounds));
  if (xml.charCodeAt(openEnd - 1) === 47) {
    // <sheetData/>: an empty sheet.
    out.push(`<${p}sheetData>`);
    patchRows(out, xml, openEnd + 1, openEnd + 1, await window(Infinity), names, state, true);
    out.push(`</${p}sheetData>`);
    xml = xml.slice(openEnd + 1);
  } else {
    out.push(xml.slice(open, openEnd + 1));
    xml = xml.slice(openEnd + 1);
    const closeTag = `</${p}sheetData>`;
    for (let close = xml.indexOf(closeTag); close < 0; close = xml.indexOf(closeTag)) {
      const cut = xml.lastIndexOf(names.rowClose);
      if (cut >= 0) {
        const end = cut + names.rowClose.length;
        const lastRow = lastRowNumber(xml, end, names, state.rowNumber);
        patchRows(out, xml, 0, end, await window(lastRow), names, state, false);
        state.rowNumber = lastRow;
        xml = xml.slice(end);
        yield* joined(out.take());
      }
      if (!(await more())) throw new MalformedSheet('has an unclosed <sheetData>');
    }
    const close = xml.indexOf(closeTag);
    patchRows(out, xml, 0, close, await window(Infinity), names, state, true);
    xml = xml.slice(close);
  }
  // What follows the rows (page setup, drawings, extLst) is copied as it comes.
  do {
    out.push(xml);
    xml = '';
    yield* joined(out.take());
  } while (await more());
  yield* joined(out.take(true));
}

/** Changes grouped by 1-based row; a text wins over a highlight's null, a later text over an earlier one. */
function rowEdits(changes: readonly CellChange[]): RowEdits {
  const rows: RowEdits = new Map();
  for (const { row, col, text } of changes) {
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= MAX_ROWS || col >= MAX_COLS) {
      throw new RangeError(`patchXlsx: cell (${row}, ${col}) is outside the sheet`);
    }
    let cols = rows.get(row + 1);
    if (!cols) rows.set(row + 1, (cols = new Map()));
    if (text !== null || !cols.has(col)) cols.set(col, text);
  }
  return rows;
}

/**
 * The number of the last row in `xml` before `end`: its `r`, else counted on from `previous`
 * through the window (rows without `r` follow the one before, ECMA-376 §18.3.1.73).
 */
function lastRowNumber(xml: string, end: number, names: SheetNames, previous: number): number {
  let at = xml.lastIndexOf(names.rowOpen, end);
  while (at >= 0 && findTag(xml, names.rowOpen, at, end) !== at) at = xml.lastIndexOf(names.rowOpen, at - 1);
  if (at < 0) return previous;
  const tagEnd = xml.indexOf('>', at);
  if (attribute(xml.slice(at, tagEnd + 1), 'r') !== undefined) return rowNumberAt(xml, at, tagEnd, previous);
  let row = previous;
  for (let pos = findTag(xml, names.rowOpen, 0, end); pos >= 0; pos = findTag(xml, names.rowOpen, pos, end)) {
    const posEnd = xml.indexOf('>', pos);
    row = rowNumberAt(xml, pos, posEnd, row);
    pos = elementEnd(xml, pos, posEnd, names.rowClose);
  }
  return row;
}

/** One buffer per window rather than one per 16K-character chunk: fewer trips through the deflate stream. */
function* joined(chunks: Buffer[]): Generator<Buffer> {
  if (chunks.length > 0) yield chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * One linear scan over the `<row>` segments of `[start, end)`; runs of untouched rows are copied
 * as one slice. Rows due before a row of the window go in before it; rows due after the window's
 * last row go in at the end only when the window is the `last`, else the next window places them.
 */
function patchRows(out: Utf8Sink, xml: string, start: number, end: number, rows: RowEdits, names: SheetNames, state: ScanState, last: boolean): void {
  const { pending } = state;
  let { next, rowNumber } = state;
  let copied = start;
  for (let pos = findTag(xml, names.rowOpen, start, end); pos >= 0 && next < pending.length; pos = findTag(xml, names.rowOpen, pos, end)) {
    const tagEnd = xml.indexOf('>', pos);
    rowNumber = rowNumberAt(xml, pos, tagEnd, rowNumber);
    const rowEnd = elementEnd(xml, pos, tagEnd, names.rowClose);
    if (pending[next] <= rowNumber) {
      out.push(xml.slice(copied, pos));
      for (; pending[next] < rowNumber; next++) newRow(out, pending[next], rows, names);
      copied = pos;
    }
    if (pending[next] === rowNumber) {
      const tag = xml.slice(pos, tagEnd + 1);
      patchRow(out, rowContext(rowNumber, tag, rows.get(pending[next++])!, names), tag, xml.slice(tagEnd + 1, rowEnd));
      copied = rowEnd;
    }
    pos = rowEnd;
  }
  out.push(xml.slice(copied, end));
  if (last) for (; next < pending.length; next++) newRow(out, pending[next], rows, names);
  state.next = next;
  state.rowNumber = rowNumber;
}

function newRow(out: Utf8Sink, rowNumber: number, rows: RowEdits, names: SheetNames): void {
  const tag = `<${names.prefix}row r="${rowNumber}"/>`;
  patchRow(out, rowContext(rowNumber, tag, rows.get(rowNumber)!, names), tag, '');
}

/** What the cells of one edited row need. */
interface RowContext {
  rowNumber: number;
  rowStyle: string | undefined;
  edits: Map<number, string | null>;
  /** Columns to restyle with `names.highlight`. */
  highlighted: Set<number> | undefined;
  /** Edited columns, ascending. */
  cols: number[];
  names: SheetNames;
}

function rowContext(rowNumber: number, rowTag: string, edits: Map<number, string | null>, names: SheetNames): RowContext {
  const customFormat = attribute(rowTag, 'customFormat');
  const rowStyle = customFormat === '1' || customFormat === 'true' ? attribute(rowTag, 's') : undefined;
  const cols = Array.from(edits.keys());
  if (cols.length > 1) cols.sort((a, b) => a - b);
  return { rowNumber, rowStyle, edits, cols, names, highlighted: names.highlight?.cells.get(rowNumber) };
}

/**
 * Writes one row. `content` is everything after the open tag, `</row>` included (empty for a
 * self-closing row). A new cell goes before the first cell with a greater column, else after the
 * last cell, so anything else a row holds (extLst) stays after the cells.
 */
function patchRow(out: Utf8Sink, row: RowContext, rowTag: string, content: string): void {
  const { cols, names } = row;
  out.push(openRowTag(rowTag, cols));
  let copied = 0;
  let lastCellEnd = 0;
  let col = -1;
  let i = 0;
  for (let pos = findTag(content, names.cellOpen, 0, content.length); pos >= 0 && i < cols.length; pos = findTag(content, names.cellOpen, pos, content.length)) {
    const tagEnd = content.indexOf('>', pos);
    col = cellColumn(content, pos, tagEnd, col);
    const end = elementEnd(content, pos, tagEnd, names.cellClose);
    if (cols[i] <= col) {
      out.push(content.slice(copied, pos));
      copied = pos;
      for (; cols[i] < col; i++) out.push(newCell(row, cols[i]));
    }
    if (cols[i] === col) {
      out.push(replaceCell(content, pos, tagEnd, end, row, cols[i++]));
      copied = end;
    }
    pos = lastCellEnd = end;
  }
  const insertAt = Math.max(copied, lastCellEnd);
  out.push(content.slice(copied, insertAt));
  for (; i < cols.length; i++) out.push(newCell(row, cols[i]));
  out.push(content === '' ? names.rowClose : content.slice(insertAt));
}

/**
 * Number of the row whose open tag spans `[pos, tagEnd]`; every row of the sheet passes here.
 * Rows without r follow the previous row (ECMA-376 §18.3.1.73).
 */
function rowNumberAt(xml: string, pos: number, tagEnd: number, previous: number): number {
  // Searching the tag alone keeps this bounded when rows carry no r.
  const tag = xml.slice(pos, tagEnd + 1);
  const at = tag.indexOf(' r="');
  if (at >= 0) return parseInt(tag.slice(at + 4), 10);
  const ref = attribute(tag, 'r');
  return ref === undefined ? previous + 1 : Number(ref);
}

/** Column of the cell whose open tag spans `[pos, tagEnd]`; cells without r follow the previous one. */
function cellColumn(content: string, pos: number, tagEnd: number, previous: number): number {
  const at = content.indexOf(' r="', pos);
  if (at >= 0 && at < tagEnd) return columnIndex(content, at + 4);
  const ref = attribute(content.slice(pos, tagEnd + 1), 'r');
  return ref === undefined ? previous + 1 : columnIndex(ref, 0);
}

function newCell(row: RowContext, col: number): string {
  let style = styleFor(col, row.rowStyle, row.names);
  if (row.highlighted?.has(col)) style = row.names.highlight!.restyle(style);
  const attributes = `r="${columnName(col)}${row.rowNumber}"${style === undefined || style === '0' ? '' : ` s="${style}"`}`;
  const text = row.edits.get(col)!;
  return text === null ? `${row.names.cellOpen} ${attributes}/>` : cellXml(attributes, text, row.names);
}

/**
 * Keeps every attribute but `t` (and `s` when highlighted); refuses formula cells, whose calcChain
 * entry must stay valid. A cell only highlighted keeps its content as it is.
 */
function replaceCell(content: string, pos: number, tagEnd: number, end: number, row: RowContext, col: number): string {
  const { names } = row;
  const text = row.edits.get(col)!;
  let tag = content.slice(pos, tagEnd + 1);
  if (row.highlighted?.has(col)) tag = setAttribute(tag, 's', names.highlight!.restyle(attribute(tag, 's')));
  if (text === null) return tag + content.slice(tagEnd + 1, end);
  if (findTag(content, names.formulaOpen, tagEnd, end) >= 0) {
    throw new Error(`patchXlsx: cell ${attribute(tag, 'r') ?? ''} holds a formula; only text cells may be patched`);
  }
  const withoutType = withAttribute(tag, 't', undefined);
  const attributes = withoutType.slice(names.cellOpen.length, withoutType.endsWith('/>') ? -2 : -1);
  return cellXml(attributes.trim(), text, names);
}

/** Few concatenations on purpose: this builds every one of the (often 100k+) new cells. */
function cellXml(attributes: string, text: string, names: SheetNames): string {
  const space = needsSpacePreserve(text) ? ' xml:space="preserve">' : '>';
  return `${names.cellOpen} ${attributes}${names.inlineOpen}${space}${escapeText(text)}${names.inlineClose}`;
}

/** Excel would trim leading and trailing whitespace without it; tabs and breaks get it too. */
function needsSpacePreserve(text: string): boolean {
  if (text === '') return false;
  if (isXmlSpace(text.charCodeAt(0)) || isXmlSpace(text.charCodeAt(text.length - 1))) return true;
  for (let i = 1; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d) return true;
  }
  return false;
}

const isXmlSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Without `spans` a row needs nothing; with it, widen the hint so it covers the new cells. */
function openRowTag(rowTag: string, cols: number[]): string {
  const open = rowTag.endsWith('/>') ? `${rowTag.slice(0, -2).trimEnd()}>` : rowTag;
  const spans = attribute(open, 'spans');
  if (spans === undefined || cols.length === 0) return open;
  const first = Number(spans.slice(0, spans.indexOf(':')));
  const last = Number(spans.slice(spans.lastIndexOf(':') + 1));
  const min = Math.min(first, cols[0] + 1);
  const max = Math.max(last, cols[cols.length - 1] + 1);
  return min === first && max === last ? open : withAttribute(open, 'spans', `${min}:${max}`);
}

/**
 * A new cell takes the style Excel would give a cell typed there: the row's when the row is
 * custom-formatted, else its column's. Without it, a styled column would lose wrap/fill there.
 */
function styleFor(col: number, rowStyle: string | undefined, names: SheetNames): string | undefined {
  let style = rowStyle;
  for (const range of names.columnStyles) if (style === undefined && col + 1 >= range.min && col + 1 <= range.max) style = range.style;
  return style;
}

function columnStyles(head: string): SheetNames['columnStyles'] {
  return (head.match(/<(?:\w+:)?col\s[^>]*>/g) ?? []).flatMap((tag) => {
    const style = attribute(tag, 'style');
    return style === undefined ? [] : [{ min: Number(attribute(tag, 'min')), max: Number(attribute(tag, 'max')), style }];
  });
}
