import { FanyiError } from '../errors.ts';
import type { LanguageColumn, SheetLayout } from '../workbook/language-columns.ts';
import { bestLanguageMatch, isValidLanguageCode, languagesMatch, normalizeLanguageCode } from '../workbook/language-codes.ts';
import type { SheetTable } from '../workbook/sheet-model.ts';

export interface TargetColumn {
  language: string;
  col: number;
  /** True when the column did not exist and gets a header written. */
  isNew: boolean;
}

/** What will be translated in one sheet: one source column into some target columns. */
export interface SheetPlan {
  layout: SheetLayout;
  source: LanguageColumn;
  targets: TargetColumn[];
}

export interface PlanOptions {
  /** Requested target languages (BCP-47); empty: every language column with empty cells. */
  to?: string[];
  from?: string;
}

/** Validates `--to`/`--from` codes and returns them canonical (`pt_br` → `pt-BR`). */
export function parseLanguageList(list: string[], flag: string): string[] {
  const codes = list.map((raw) => {
    const code = normalizeLanguageCode(raw.trim()) ?? raw.trim();
    if (!isValidLanguageCode(code)) throw new FanyiError('UNKNOWN_LANGUAGE', `${flag}: '${raw}' is not a language code (use BCP-47 like pt-BR, th, vi, zh-CN)`);
    return code;
  });
  return [...new Set(codes)];
}

export function planTargets(layouts: SheetLayout[], sheets: readonly SheetTable[], options: PlanOptions): SheetPlan[] {
  const plans: SheetPlan[] = [];
  for (const layout of layouts) {
    const source = pickSource(layout, options.from);
    if (!source) continue;
    const sheet = sheets[layout.sheetIndex];
    const targets = options.to?.length ? requestedTargets(layout, sheet, source, options.to) : emptyTargets(layout, sheet, source);
    plans.push({ layout, source, targets });
  }
  if (!plans.length) {
    const which = options.from ? `a '${options.from}' source column` : 'a source language column';
    throw new FanyiError('NO_SOURCE_COLUMN', `no sheet has ${which}; name the language in the header row (e.g. CH, EN, zh-CN, English) or pass --from`);
  }
  return plans;
}

/**
 * `--from` if given; else the leftmost column at least 90% as full as the fullest. Tables put
 * their source first; a translation that is a little fuller than its source (a stray extra
 * row) must not steal the role.
 */
function pickSource(layout: SheetLayout, from: string | undefined): LanguageColumn | undefined {
  const candidates = (from ? layout.languageColumns.filter((c) => languagesMatch(from, c.language) > 0) : layout.languageColumns).filter((c) => c.filled > 0);
  const fullest = Math.max(0, ...candidates.map((c) => c.filled));
  return candidates.filter((c) => c.filled >= fullest * 0.9).sort((a, b) => a.col - b.col)[0];
}

function requestedTargets(layout: SheetLayout, sheet: SheetTable, source: LanguageColumn, requested: string[]): TargetColumn[] {
  const taken = new Set<number>([source.col]);
  const targets: TargetColumn[] = [];
  const allocate = newColumnAllocator(layout, sheet);
  for (const language of requested) {
    // A column already given to another requested language (or the source) is not a candidate.
    const free = layout.languageColumns.filter((column) => !taken.has(column.col));
    const existing = bestLanguageMatch(free, language, (column) => column.language);
    if (existing) {
      taken.add(existing.col);
      targets.push({ language, col: existing.col, isNew: false });
    } else if (languagesMatch(language, source.language) < 2) {
      targets.push({ language, col: allocate(), isNew: true });
    }
  }
  return targets;
}

/** Without `--to`: every other language column with at least one empty cell beside a filled source cell. */
function emptyTargets(layout: SheetLayout, sheet: SheetTable, source: LanguageColumn): TargetColumn[] {
  const isEmpty = (value: unknown) => value === null || value === undefined || (typeof value === 'string' && !value.trim());
  const hasGap = (col: number) =>
    sheet.rows.some((cells, row) => row >= layout.firstDataRow && typeof cells?.[source.col] === 'string' && isEmpty(cells?.[col]));
  return layout.languageColumns
    .filter((column) => column.col !== source.col && languagesMatch(column.language, source.language) < 2)
    .filter((column) => hasGap(column.col))
    .map((column) => ({ language: column.language, col: column.col, isNew: false }));
}

/**
 * New language columns go into the first wholly empty columns after the last language column.
 * Existing cells are never shifted: moving them would break formulas, merges and references
 * elsewhere in the workbook.
 */
function newColumnAllocator(layout: SheetLayout, sheet: SheetTable): () => number {
  let cursor = Math.max(...layout.languageColumns.map((c) => c.col)) + 1;
  const isEmpty = (col: number) => sheet.rows.every((cells) => cells?.[col] === null || cells?.[col] === undefined);
  return () => {
    while (!isEmpty(cursor)) cursor++;
    return cursor++;
  };
}
