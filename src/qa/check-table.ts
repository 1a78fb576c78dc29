/**
 * `fanyi check` without the I/O: every translation already in a workbook against its source
 * cell, found by the same analysis `translate` uses (header row, language columns, source column,
 * notes, max-length column, comments). Reads a scan (read-workbook.ts scanWorkbook): analysis on
 * each sheet's first rows and summary, then the rows streamed from the file once per sheet, so
 * what it holds is the findings, not the table.
 */
import { FanyiError } from '../errors.ts';
import { maxLengthCell } from '../tasks/context.ts';
import { planTargets, type SheetPlan } from '../tasks/plan-targets.ts';
import { encodeAddress } from '../workbook/cell-address.ts';
import { languagesMatch } from '../workbook/language-codes.ts';
import { analyseSheets, isConfigSheet, isDataRow, isTranslatableText, type SheetLayout } from '../workbook/language-columns.ts';
import { cellKey, detached, NON_TEXT, type SheetRow, type SheetTable, type WorkbookScan } from '../workbook/sheet-model.ts';
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
  /**
   * List each empty translation cell as a `missing` finding (default); false: only count them
   * (`TableReport.missing`), for a report that shows counts: a table of a million rows with empty
   * language columns would otherwise hold a finding per empty cell.
   */
  listMissing?: boolean;
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
  /** Problems (hard and soft flags) and, unless `listMissing` was false, the empty cells; by column, then row. */
  findings: CellFinding[];
  /** Empty translation cells, listed or not: how many, and how many per language. */
  missing: { cells: number; byLanguage: Record<string, number> };
  /** Sheets with no language columns (or no filled source column). */
  skippedSheets: string[];
  pairs: Array<{ sheet: string; source: string; target: string; language: string }>;
}

/** One translation column checked against its source, and what it found. */
interface PairCheck {
  layout: SheetLayout;
  pair: ColumnPair;
  findings: CellFinding[];
  /** Its empty cells. */
  missing: number;
}

export async function checkTable(scan: WorkbookScan, options: TableCheckOptions = {}): Promise<TableReport> {
  const layouts = analyseSheets(scan.sheets).filter((l): l is SheetLayout => !!l);
  if (!layouts.length && scan.sheets.some(isConfigSheet)) {
    throw new FanyiError('NO_SOURCE_COLUMN', 'this looks like a game-config workbook (##var/##type header rows), not a string table');
  }
  const plans = planTargets(layouts, scan.sheets, { from: options.from });
  const report: TableReport = { checked: 0, findings: [], missing: { cells: 0, byLanguage: {} }, skippedSheets: [], pairs: [] };
  const planned = new Set(plans.map((p) => p.layout.sheetIndex));
  report.skippedSheets = scan.sheets.filter((s) => !planned.has(s.index)).map((s) => s.name);
  // Every pair of every plan, in report order; a sheet's pairs (one plan per text field) are checked in one pass over its rows.
  const checks = plans.flatMap((plan) => pairChecks(plan, options.to));
  for (const check of checks) report.pairs.push({ sheet: scan.sheets[check.layout.sheetIndex].name, source: check.pair.sourceHeader, target: check.pair.targetHeader, language: check.pair.language ?? 'und' });
  if (options.to?.length && !report.pairs.length) {
    throw new FanyiError('NO_TARGET_COLUMN', `no column for ${options.to.join(', ')} beside a source column; check the header row or --to`);
  }
  for (const sheetIndex of new Set(checks.map((c) => c.layout.sheetIndex))) {
    await checkSheet(scan, scan.sheets[sheetIndex], checks.filter((c) => c.layout.sheetIndex === sheetIndex), report, options.listMissing ?? true);
  }
  for (const check of checks) {
    for (const finding of check.findings) report.findings.push(finding);
    if (!check.missing) continue;
    const language = check.pair.language ?? 'und';
    report.missing.cells += check.missing;
    report.missing.byLanguage[language] = (report.missing.byLanguage[language] ?? 0) + check.missing;
  }
  return report;
}

function pairChecks(plan: SheetPlan, to: string[] | undefined): PairCheck[] {
  return pairColumns(plan)
    .filter((pair) => wanted(pair, to))
    .map((pair) => ({ layout: plan.layout, pair, findings: [], missing: 0 }));
}

function wanted(pair: ColumnPair, to: string[] | undefined): boolean {
  return !to?.length || (!!pair.language && to.some((lang) => languagesMatch(lang, pair.language!) > 0));
}

async function checkSheet(scan: WorkbookScan, sheet: SheetTable, checks: PairCheck[], report: TableReport, listMissing: boolean): Promise<void> {
  // A source cell is analysed once for all its translation columns (they are checked in the same row).
  const memo = checks.length > 1 ? new SourceMemo() : undefined;
  for await (const row of scan.rows(sheet.index)) {
    if (!isDataRow(row.cells)) continue;
    for (const check of checks) {
      if (row.row < check.layout.firstDataRow) continue;
      const source = row.cells[check.pair.sourceCol];
      const target = row.cells[check.pair.targetCol];
      if (!isTranslatableText(source) || target === NON_TEXT) continue;
      report.checked++;
      const text = typeof target === 'string' ? target : '';
      if (!text.trim()) {
        check.missing++;
        if (!listMissing) continue;
      }
      const finding = checkCell(sheet, check, row, source, text, memo);
      if (finding) check.findings.push(finding);
    }
  }
}

function checkCell(sheet: SheetTable, { layout, pair }: PairCheck, row: SheetRow, source: string, target: string, memo?: SourceMemo): CellFinding | undefined {
  const text = (col: number | undefined): string | undefined => {
    const value = col === undefined ? undefined : row.cells[col];
    return typeof value === 'string' ? value : undefined;
  };
  const notes = layout.noteColumns.map(text);
  const comments = [sheet.comments.get(cellKey(row.row, pair.targetCol)), sheet.comments.get(cellKey(row.row, pair.sourceCol))];
  // A max-length column's number, as Excel stores it, or its text.
  const maxLength = lengthLimit(maxLengthCell(sheet, pair.maxLengthColumn, row), ...comments, ...notes);
  // A cell nobody filled in is not a defect of a translation: its own kind, counted apart.
  const result = target.trim()
    ? checkTranslation({ source, target, sourceLang: pair.sourceLanguage, targetLang: pair.language, maxLength, memo })
    : { flags: [flag('missing', 'no translation yet')], score: 0 };
  if (!result.flags.length) return undefined;
  const key = text(layout.keyColumn)?.trim();
  // Kept as copies: a CSV row's texts are slices of a parse chunk that a finding would keep alive.
  return {
    sheet: sheet.name,
    cell: encodeAddress(row.row, pair.targetCol),
    row: row.row,
    col: pair.targetCol,
    ...(key ? { key: detached(key) } : {}),
    language: pair.language ?? 'und',
    sourceLanguage: pair.sourceLanguage,
    sourceCell: encodeAddress(row.row, pair.sourceCol),
    source: detached(source),
    target: detached(target),
    flags: result.flags,
    score: result.score,
  };
}
