/**
 * `fanyi check` without the I/O: every translation already in a read workbook against its
 * source cell, found by the same analysis `translate` uses (header row, language columns, source
 * column, notes, max-length column, comments).
 */
import { FanyiError } from '../errors.ts';
import { planTargets } from '../tasks/plan-targets.ts';
import { encodeAddress } from '../workbook/cell-address.ts';
import { languagesMatch } from '../workbook/language-codes.ts';
import { analyseSheets, isConfigSheet, isDataRow, isTranslatableText, type SheetLayout } from '../workbook/language-columns.ts';
import { cellKey, NON_TEXT, type SheetTable, type SpreadsheetDocument } from '../workbook/sheet-model.ts';
import { checkTranslation } from './check-translation.ts';
import { lengthLimit } from './length-hint.ts';
import { flag, type QaFlag } from './qa-flags.ts';
import { pairColumns, type ColumnPair } from './table-pairs.ts';
import { SourceMemo } from './text-facts.ts';

export interface TableCheckOptions {
  /** Source language (default: the column `translate` would pick). */
  from?: string;
  /** Only these target languages (default: every other language column). */
  to?: string[];
}

/** One checked cell with at least one flag. */
export interface CellFinding {
  sheet: string;
  /** A1 address of the translation cell. */
  cell: string;
  row: number;
  col: number;
  key?: string;
  /** The translation column's language; `und` when neither header nor content says. */
  language: string;
  sourceLanguage: string;
  sourceCell: string;
  source: string;
  target: string;
  flags: QaFlag[];
  score: number;
}

export interface TableReport {
  /** Translation cells compared with their source (empty ones included). */
  checked: number;
  findings: CellFinding[];
  /** Sheets with no language columns (or no filled source column). */
  skippedSheets: string[];
  pairs: Array<{ sheet: string; source: string; target: string; language: string }>;
}

export function checkTable(document: SpreadsheetDocument, options: TableCheckOptions = {}): TableReport {
  const layouts = analyseSheets(document.sheets).filter((l): l is SheetLayout => !!l);
  if (!layouts.length && document.sheets.some(isConfigSheet)) {
    throw new FanyiError('NO_SOURCE_COLUMN', 'this looks like a game-config workbook (##var/##type header rows), not a string table');
  }
  const plans = planTargets(layouts, document.sheets, { from: options.from });
  const report: TableReport = { checked: 0, findings: [], skippedSheets: [], pairs: [] };
  const planned = new Set(plans.map((p) => p.layout.sheetIndex));
  report.skippedSheets = document.sheets.filter((s) => !planned.has(s.index)).map((s) => s.name);
  for (const plan of plans) {
    const sheet = document.sheets[plan.layout.sheetIndex];
    const pairs = pairColumns(plan).filter((p) => wanted(p, options.to));
    // Each source cell is checked once per translation column: its analysis is kept for the field.
    const memo = pairs.length > 1 ? new SourceMemo(sheet.rows.length) : undefined;
    for (const pair of pairs) {
      report.pairs.push({ sheet: sheet.name, source: pair.sourceHeader, target: pair.targetHeader, language: pair.language ?? 'und' });
      checkPair(sheet, plan.layout, pair, report, memo);
    }
  }
  if (options.to?.length && !report.pairs.length) {
    throw new FanyiError('NO_TARGET_COLUMN', `no column for ${options.to.join(', ')} beside a source column; check the header row or --to`);
  }
  return report;
}

function wanted(pair: ColumnPair, to: string[] | undefined): boolean {
  return !to?.length || (!!pair.language && to.some((lang) => languagesMatch(lang, pair.language!) > 0));
}

function checkPair(sheet: SheetTable, layout: SheetLayout, pair: ColumnPair, report: TableReport, memo?: SourceMemo): void {
  for (let row = layout.firstDataRow; row < sheet.rows.length; row++) {
    const cells = sheet.rows[row];
    const source = cells?.[pair.sourceCol];
    const target = cells?.[pair.targetCol];
    if (!isTranslatableText(source) || !isDataRow(cells) || target === NON_TEXT) continue;
    report.checked++;
    const finding = checkCell(sheet, layout, pair, row, source, typeof target === 'string' ? target : '', memo);
    if (finding) report.findings.push(finding);
  }
}

function checkCell(sheet: SheetTable, layout: SheetLayout, pair: ColumnPair, row: number, source: string, target: string, memo?: SourceMemo): CellFinding | undefined {
  const cells = sheet.rows[row] ?? [];
  const text = (col: number | undefined): string | undefined => {
    const value = col === undefined ? undefined : cells[col];
    return typeof value === 'string' ? value : undefined;
  };
  const notes = layout.noteColumns.map(text);
  const comments = [sheet.comments.get(cellKey(row, pair.targetCol)), sheet.comments.get(cellKey(row, pair.sourceCol))];
  const maxLength = lengthLimit(pair.maxLengthColumn === undefined ? undefined : cells[pair.maxLengthColumn], ...comments, ...notes);
  // A cell nobody filled in is not a defect of a translation: its own kind, counted apart.
  const result = target.trim()
    ? checkTranslation({ source, target, sourceLang: pair.sourceLanguage, targetLang: pair.language, maxLength, memo })
    : { flags: [flag('missing', 'no translation yet')], score: 0 };
  if (!result.flags.length) return undefined;
  const key = text(layout.keyColumn)?.trim();
  return {
    sheet: sheet.name,
    cell: encodeAddress(row, pair.targetCol),
    row,
    col: pair.targetCol,
    ...(key ? { key } : {}),
    language: pair.language ?? 'und',
    sourceLanguage: pair.sourceLanguage,
    sourceCell: encodeAddress(row, pair.sourceCol),
    source,
    target,
    flags: result.flags,
    score: result.score,
  };
}
