/**
 * Which column is checked against which: every language column against the sheet's source
 * column, and in game-data sheets with several text fields (Elin: `name_JP`/`name`,
 * `detail_JP`/`detail`) each un-suffixed field against its own source-language twin, never
 * against another field.
 */
import { guessLanguageFromTexts } from '../workbook/guess-language.ts';
import { languagesMatch } from '../workbook/language-codes.ts';
import type { LanguageColumn, SheetLayout } from '../workbook/language-columns.ts';
import { languageFromHeader } from '../workbook/language-headers.ts';
import type { SheetTable } from '../workbook/sheet-model.ts';

export interface ColumnPair {
  sourceCol: number;
  sourceHeader: string;
  sourceLanguage: string;
  targetCol: number;
  targetHeader: string;
  /** Undefined when neither the header nor the content names the target's language. */
  language?: string;
}

export function pairColumns(sheet: SheetTable, layout: SheetLayout, source: LanguageColumn): ColumnPair[] {
  const pairs = new Map<number, ColumnPair>();
  const pair = (from: LanguageColumn, col: number, header: string, language: string | undefined) =>
    pairs.set(col, { sourceCol: from.col, sourceHeader: from.header, sourceLanguage: from.language, targetCol: col, targetHeader: header, language });
  for (const column of layout.languageColumns) {
    if (column.col !== source.col && languagesMatch(column.language, source.language) < 2) pair(source, column.col, column.header, column.language);
  }
  const twins = findTwins(sheet, layout, source);
  const twinLanguage = guessLanguageFromTexts(twins.flatMap(({ col }) => columnTexts(sheet, layout, col)));
  for (const { from, col, header } of twins) {
    const known = layout.languageColumns.find((c) => c.col === col)?.language;
    pair(from, col, header, known ?? guessLanguageFromTexts(columnTexts(sheet, layout, col)) ?? twinLanguage);
  }
  return [...pairs.values()].sort((a, b) => a.targetCol - b.targetCol);
}

/** `text_JP` → the column headed `text`, for every source-language column with a language suffix. */
function findTwins(sheet: SheetTable, layout: SheetLayout, source: LanguageColumn): Array<{ from: LanguageColumn; col: number; header: string }> {
  const headers = (sheet.rows[layout.headerRow] ?? []).map((v) => (typeof v === 'string' ? v.trim() : ''));
  const twins: Array<{ from: LanguageColumn; col: number; header: string }> = [];
  for (const from of layout.languageColumns) {
    if (languagesMatch(from.language, source.language) < 2) continue;
    const stem = stemOf(from.header, from.language);
    const col = stem ? headers.findIndex((h, i) => i !== from.col && h.toLowerCase() === stem.toLowerCase()) : -1;
    if (col >= 0) twins.push({ from, col, header: headers[col] });
  }
  return twins;
}

/** `name_JP` → `name`, when the suffix names the column's own language. */
function stemOf(header: string, language: string): string | undefined {
  const match = /^(.+?)[_\-. ]([A-Za-z]{2,4}(?:[-_][A-Za-z]{2,4})?)$/.exec(header.trim());
  const suffix = match && languageFromHeader(match[2]);
  return suffix && languagesMatch(suffix, language) >= 2 ? match[1] : undefined;
}

function columnTexts(sheet: SheetTable, layout: SheetLayout, col: number): string[] {
  const texts: string[] = [];
  for (let row = layout.firstDataRow; row < sheet.rows.length && texts.length < 200; row++) {
    const value = sheet.rows[row]?.[col];
    if (typeof value === 'string' && value.trim()) texts.push(value);
  }
  return texts;
}
