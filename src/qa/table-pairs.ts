/**
 * Which column is checked against which: within each text field (field-families.ts), every
 * member against the field's source. A string table has one field, so every language column
 * is checked against the sheet's source; in a game-data sheet (Elin: `name_JP`/`name`,
 * `detail_JP`/`detail`) each field's members against their own source, never another field's.
 */
import { languagesMatch } from '../workbook/language-codes.ts';
import type { SheetPlan } from '../tasks/plan-targets.ts';

export interface ColumnPair {
  sourceCol: number;
  sourceHeader: string;
  sourceLanguage: string;
  targetCol: number;
  targetHeader: string;
  /** The max-length column for the pair: the field's own (`detail_maxlen`), else the sheet's. */
  maxLengthColumn?: number;
  /** Undefined when neither the header nor the content (of the column, its sheet or workbook) names the target's language. */
  language?: string;
}

export function pairColumns(plan: SheetPlan): ColumnPair[] {
  const { source } = plan;
  const maxLengthColumn = plan.field?.maxLengthColumn ?? plan.layout.maxLengthColumn;
  const pair = (col: number, header: string, language: string | undefined): ColumnPair =>
    ({ sourceCol: source.col, sourceHeader: source.header, sourceLanguage: source.language, targetCol: col, targetHeader: header, maxLengthColumn, language });
  const pairs = plan.columns
    .filter((column) => column.col !== source.col && languagesMatch(column.language, source.language) < 2)
    .map((column) => pair(column.col, column.header, column.language));
  // An unsuffixed member whose language nothing shows is still a translation of its field.
  const pending = plan.field?.pendingDefault;
  if (pending) pairs.push(pair(pending.col, pending.header, undefined));
  return pairs.sort((a, b) => a.targetCol - b.targetCol);
}
