import { columnTexts, countFilled, isDataRow, lastUsedColumn, type CellValue, type SheetTable } from './sheet-model.ts';

export { isDataRow };
import { fillDefaultLanguages, groupFields, type TextField } from './field-families.ts';
import { guessLanguageFromTexts } from './guess-language.ts';
import { languageFromHeader } from './language-headers.ts';
import { assertNotTypeRow, readMetaRows } from './meta-rows.ts';

/** How one sheet is laid out, as far as translation cares. All indexes 0-based. */
export interface SheetLayout {
  sheetIndex: number;
  sheetName: string;
  headerRow: number;
  /** First data row: meta rows right under the header (types, defaults, `##` rows: meta-rows.ts) are skipped. */
  firstDataRow: number;
  /** Columns a type row declares as lists of strings (`string[]`): a cell with several items is left untranslated. */
  listColumns?: number[];
  languageColumns: LanguageColumn[];
  keyColumn?: number;
  /** Translator notes, descriptions, speaker: context, never translated. */
  noteColumns: number[];
  /** The sheet-wide max-length column (`max_len`); one named after a field (`detail_maxlen`) is that field's (TextField.maxLengthColumn). */
  maxLengthColumn?: number;
  /** Every column whose header says max length, the sheet-wide one and the fields' ones. */
  lengthColumns?: number[];
  /** Last column holding anything in the sheet. */
  lastUsedColumn: number;
  /** The language columns grouped into text fields (field-families.ts), in column order. */
  fields?: TextField[];
}

export interface LanguageColumn {
  col: number;
  header: string;
  language: string;
  /** Where the language came from. */
  by: 'header' | 'content';
  /** Non-empty text cells in data rows. */
  filled: number;
}

const HEADER_SCAN_ROWS = 12;
const NOTE_HEADER = /\b(note|notes|comment|comments|context|description|desc|remark|remarks|speaker|character|hint|explanation|translator)\b|备注|说明|注释|上下文|描述|角色|メモ|説明|コメント/i;
const KEY_HEADER = /^(key|keys|id|ids|code|name|field ?name|string ?id|string ?key|identifier|label|term|msgid|键|编号|序号|キー)$/i;
const MAX_LENGTH_HEADER = /max.?(len|length|chars?)|char(acter)?.?limit|length.?limit|最大|字数|文字数/i;

export function analyseSheet(sheet: SheetTable): SheetLayout | undefined {
  if (isConfigSheet(sheet)) return undefined;
  const headerRow = findHeaderRow(sheet);
  if (headerRow === undefined) return undefined;
  assertNotTypeRow(sheet, headerRow);
  const headers = (sheet.rows[headerRow] ?? []).map((value) => (typeof value === 'string' ? value.trim() : ''));
  const layout: SheetLayout = {
    sheetIndex: sheet.index,
    sheetName: sheet.name,
    headerRow,
    firstDataRow: headerRow + 1,
    languageColumns: [],
    noteColumns: [],
    lastUsedColumn: lastUsedColumn(sheet),
  };
  headers.forEach((header, col) => classifyByHeader(layout, header, col, headers));
  const meta = readMetaRows(sheet, headerRow, layout.keyColumn ?? 0);
  layout.firstDataRow = meta.firstDataRow;
  if (meta.listColumns.length) layout.listColumns = meta.listColumns;
  detectByContent(layout, sheet, headers);
  groupFields(layout, sheet, headers);
  for (const column of layout.languageColumns) column.filled = countFilled(sheet, layout.firstDataRow, column.col);
  layout.languageColumns.sort((a, b) => a.col - b.col);
  layout.keyColumn ??= firstNonLanguageColumn(layout, headers);
  return layout.languageColumns.length ? layout : undefined;
}

/**
 * Every sheet's layout (undefined for sheets with nothing to translate), unsuffixed field members
 * a sheet alone could not place given the workbook's default language (see fillDefaultLanguages).
 */
export function analyseSheets(sheets: readonly SheetTable[]): Array<SheetLayout | undefined> {
  const layouts = sheets.map(analyseSheet);
  fillDefaultLanguages(layouts.filter((l): l is SheetLayout => !!l), sheets);
  return layouts;
}

/**
 * The header row: the first of the top rows that names nearly as many languages as the best one.
 * Headers come first, so a data row that happens to hold language names (a `LANGUAGE_EN,
 * English, French…` row) does not win; a merged title row above has one cell and loses.
 */
function findHeaderRow(sheet: SheetTable): number | undefined {
  const limit = Math.min(sheet.rows.length, HEADER_SCAN_ROWS);
  const scores: number[] = [];
  for (let row = 0; row < limit; row++) {
    const cells = (sheet.rows[row] ?? []).filter((v): v is string => typeof v === 'string');
    scores.push(cells.filter((text) => languageFromHeader(text.trim())).length);
  }
  const best = Math.max(0, ...scores);
  if (best > 0) return scores.findIndex((score) => score >= Math.max(1, Math.ceil(best * 0.8)));
  // No header names a language: the first row with two or more text cells, languages by content.
  const row = sheet.rows.slice(0, limit).findIndex((cells) => (cells ?? []).filter((v) => typeof v === 'string').length >= 2);
  return row >= 0 ? row : undefined;
}

/**
 * Luban-style game-config sheets (`##var` / `##type` header rows) define data, not strings: a new
 * column there would add a field to the game's schema.
 */
export function isConfigSheet(sheet: SheetTable): boolean {
  const first = sheet.rows[0]?.[0];
  return typeof first === 'string' && first.trim().startsWith('##');
}


function classifyByHeader(layout: SheetLayout, header: string, col: number, headers: string[]): void {
  if (!header) return;
  if (isIndonesianAmongLanguages(header, col, headers)) {
    layout.languageColumns.push({ col, header, language: 'id', by: 'header', filled: 0 });
    return;
  }
  if (KEY_HEADER.test(header)) {
    layout.keyColumn ??= col;
    return;
  }
  if (MAX_LENGTH_HEADER.test(header)) {
    layout.maxLengthColumn ??= col;
    (layout.lengthColumns ??= []).push(col);
    return;
  }
  if (NOTE_HEADER.test(header)) {
    layout.noteColumns.push(col);
    return;
  }
  const language = languageFromHeader(header);
  if (language) layout.languageColumns.push({ col, header, language, by: 'header', filled: 0 });
}

/** `id` is a key column, except between two language-code columns (`hu, id, it`), where it is Indonesian. */
function isIndonesianAmongLanguages(header: string, col: number, headers: string[]): boolean {
  if (header !== 'id') return false;
  const isCode = (h: string | undefined) => !!h && /^[a-z]{2,3}([-_][A-Za-z]{2,4})?$/.test(h) && !!languageFromHeader(h);
  return isCode(headers[col - 1]) && isCode(headers[col + 1]);
}

/** Columns whose header names no language (or is empty) get a language from their script, if it is clear. */
function detectByContent(layout: SheetLayout, sheet: SheetTable, headers: string[]): void {
  const width = Math.max(headers.length, layout.lastUsedColumn + 1);
  for (let col = 0; col < width; col++) {
    if (isClassified(layout, col)) continue;
    const header = headers[col] ?? '';
    const sample = columnTexts(sheet, layout.firstDataRow, col);
    const language = guessLanguageFromTexts(sample);
    if (language) layout.languageColumns.push({ col, header, language, by: 'content', filled: 0 });
  }
}

function isClassified(layout: SheetLayout, col: number): boolean {
  return (
    layout.keyColumn === col ||
    layout.maxLengthColumn === col ||
    !!layout.lengthColumns?.includes(col) ||
    layout.noteColumns.includes(col) ||
    layout.languageColumns.some((c) => c.col === col)
  );
}

function firstNonLanguageColumn(layout: SheetLayout, headers: string[]): number | undefined {
  const col = headers.findIndex((header, i) => header && !isClassified(layout, i));
  return col >= 0 && col < (layout.languageColumns[0]?.col ?? 0) ? col : undefined;
}

/** True for a value the translator should see: text with at least one letter. */
export function isTranslatableText(value: CellValue | undefined): value is string {
  return typeof value === 'string' && /\p{L}/u.test(value);
}
