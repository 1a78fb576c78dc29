import { languagesMatch } from '../workbook/language-codes.ts';
import type { LanguageColumn } from '../workbook/language-columns.ts';

/**
 * Which of a row's other language cells go beside its text as references
 * (`translation.reference_languages`): `'auto'`, or an ordered list of language codes (`[]`: none).
 */
export type ReferenceSetting = 'auto' | readonly string[];

/**
 * References per item under `'auto'`. Every reference is paid for on every call: a 38-language
 * row sent whole costs ~25 input tokens per output token; two settle what a short string means.
 */
export const AUTO_REFERENCE_COUNT = 2;

/** The sheet's candidate reference columns in order of preference, and how many of them an item gets at most. */
export interface ReferencePlan {
  columns: readonly LanguageColumn[];
  limit: number;
}

/**
 * `'auto'`: the most complete English column (unless the source is English), then every other
 * column by how complete it is over the sheet (ties: leftmost first), at most
 * {@link AUTO_REFERENCE_COUNT} per item. A list: the best-matching column of each code in the
 * list's order, all of them. Never the source column or another column of the source language.
 */
export function referencePlan(columns: readonly LanguageColumn[], source: LanguageColumn, setting: ReferenceSetting): ReferencePlan {
  const others = columns.filter((c) => c.col !== source.col && languagesMatch(source.language, c.language) < 2);
  if (setting === 'auto') return { columns: autoOrder(others, source.language), limit: AUTO_REFERENCE_COUNT };
  const listed = setting.flatMap((code) => bestColumn(others, code) ?? []);
  return { columns: [...new Set(listed)], limit: setting.length };
}

function autoOrder(columns: readonly LanguageColumn[], sourceLang: string): LanguageColumn[] {
  const byCompleteness = [...columns].sort((a, b) => b.filled - a.filled || a.col - b.col);
  const english = languagesMatch('en', sourceLang) > 0 ? undefined : byCompleteness.find((c) => languagesMatch('en', c.language) > 0);
  return english ? [english, ...byCompleteness.filter((c) => c !== english)] : byCompleteness;
}

/** The column that best serves `code`, the most complete among equals. */
function bestColumn(columns: readonly LanguageColumn[], code: string): LanguageColumn | undefined {
  const scored = columns.map((c) => ({ c, score: languagesMatch(code, c.language) })).filter((s) => s.score > 0);
  return scored.sort((a, b) => b.score - a.score || b.c.filled - a.c.filled || a.c.col - b.c.col)[0]?.c;
}

/**
 * A row's references for one target: the plan's first columns holding text in the row, one per
 * language, up to the plan's limit. A column of the target language is skipped (with
 * `--overwrite` it holds the old translation) and the next one takes its place.
 */
export function chooseReferences(plan: ReferencePlan, text: (col: number) => string | undefined, targetLang: string): Record<string, string> | undefined {
  let refs: Record<string, string> | undefined;
  let count = 0;
  for (const column of columnsFor(plan, targetLang)) {
    if (count >= plan.limit) break;
    if (refs && column.language in refs) continue;
    const value = text(column.col);
    if (!value) continue;
    (refs ??= {})[column.language] = value;
    count++;
  }
  return refs;
}

/** The plan's columns not in `targetLang`, worked out once per plan and target: asked for every row. */
function columnsFor(plan: ReferencePlan, targetLang: string): readonly LanguageColumn[] {
  let byTarget = columnsByTarget.get(plan);
  if (!byTarget) columnsByTarget.set(plan, (byTarget = new Map()));
  let columns = byTarget.get(targetLang);
  if (!columns) byTarget.set(targetLang, (columns = plan.columns.filter((column) => languagesMatch(targetLang, column.language) === 0)));
  return columns;
}

const columnsByTarget = new WeakMap<ReferencePlan, Map<string, readonly LanguageColumn[]>>();
