import { FanyiError } from '../errors.ts';
import type { LanguageColumn, SheetLayout } from '../workbook/language-columns.ts';
import { bestLanguageMatch, isValidLanguageCode, languagesMatch, normalizeLanguageCode } from '../workbook/language-codes.ts';
import type { TextField } from '../workbook/field-families.ts';
import { hasGap, type SheetTable } from '../workbook/sheet-model.ts';
import { newColumnAllocator, type ColumnAllocator } from './new-columns.ts';

export interface TargetColumn {
  language: string;
  col: number;
  /** True when the column did not exist and gets a header written. */
  isNew: boolean;
  /** The header a new column of a named field gets (see new-columns.ts); else its language code. */
  header?: string;
}

/**
 * What will be translated in one field of one sheet: its source column into some target
 * columns. A string table has one field; a game-data sheet one per text field (`name`, `detail`…).
 */
export interface SheetPlan {
  layout: SheetLayout;
  /** The field; undefined when the layout has none (layouts made by hand). */
  field?: TextField;
  /** The field's language columns: the only candidates for source, targets and references. */
  columns: LanguageColumn[];
  source: LanguageColumn;
  targets: TargetColumn[];
}

export interface PlanOptions {
  /** Requested target languages (BCP-47); empty: every language column with empty cells. */
  to?: string[];
  from?: string;
  /** `--column-name`: header template for new columns of named fields (`{field}_{code}`). */
  columnName?: string;
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
    const sheet = sheets[layout.sheetIndex];
    const allocator = newColumnAllocator(layout, sheet, options.columnName);
    // Field order, then language: new columns come out in that order.
    for (const field of layout.fields ?? [undefined]) {
      const columns = field?.members ?? layout.languageColumns;
      const source = pickSource(columns, options.from);
      if (!source) continue;
      const targets = options.to?.length ? requestedTargets(columns, field, source, options.to, allocator) : emptyTargets(layout, columns, sheet, source);
      plans.push({ layout, ...(field ? { field } : {}), columns, source, targets });
    }
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
function pickSource(columns: LanguageColumn[], from: string | undefined): LanguageColumn | undefined {
  const candidates = (from ? columns.filter((c) => languagesMatch(from, c.language) > 0) : columns).filter((c) => c.filled > 0);
  const fullest = Math.max(0, ...candidates.map((c) => c.filled));
  return candidates.filter((c) => c.filled >= fullest * 0.9).sort((a, b) => a.col - b.col)[0];
}

function requestedTargets(columns: LanguageColumn[], field: TextField | undefined, source: LanguageColumn, requested: string[], allocator: ColumnAllocator): TargetColumn[] {
  const taken = new Set<number>([source.col]);
  const targets: TargetColumn[] = [];
  for (const language of requested) {
    // A column already given to another requested language (or the source) is not a candidate;
    // a member named for its language (`text_EN`) is preferred over one read from its content (`text`).
    const free = columns.filter((column) => !taken.has(column.col)).sort((a, b) => Number(a.by === 'content') - Number(b.by === 'content'));
    const existing = bestLanguageMatch(free, language, (column) => column.language);
    if (existing) {
      taken.add(existing.col);
      targets.push({ language, col: existing.col, isNew: false });
    } else if (languagesMatch(language, source.language) < 2) {
      const { col, header } = allocator.next(field, language);
      targets.push({ language, col, isNew: true, ...(header ? { header } : {}) });
    }
  }
  return targets;
}

/** Without `--to`: every other language column with at least one empty cell beside a filled source cell. */
function emptyTargets(layout: SheetLayout, columns: LanguageColumn[], sheet: SheetTable, source: LanguageColumn): TargetColumn[] {
  return columns
    .filter((column) => column.col !== source.col && languagesMatch(column.language, source.language) < 2)
    .filter((column) => hasGap(sheet, layout.firstDataRow, source.col, column.col))
    .map((column) => ({ language: column.language, col: column.col, isNew: false }));
}
