/**
 * Counting a map job's results for a report: per field (report-fields.ts), how many rows hold
 * each value, over all rows and per group (the `--by` column's value: a product), and which rows
 * they are. Pure: rows in, counts out.
 */
import type { FieldValue } from '../map/map-rows.ts';
import { CATEGORY_LIMITS, valueText, type ReportField, type SkippedField } from './report-fields.ts';

/** One row of the job with its result, as the report lists it. */
export interface ReportRow {
  /** The row's number in its sheet, 1-based as a spreadsheet shows it (the header is row 1). */
  row: number;
  /** The `--id` column's value, else the row number. */
  id: string | number;
  /** The `--by` column's value ('(none)' when the cell is empty; one group for all when there is no column). */
  group: string;
  /** The columns the job sent, by header: what an analyst reads beside a count. */
  keys: Record<string, FieldValue>;
  result: Record<string, unknown>;
}

export interface FieldSummary {
  field: ReportField;
  /** The values in the order shown: an enum's or boolean's own order, then others by rows, most first. */
  values: string[];
  /** Rows per value, all groups together. */
  totals: Map<string, number>;
  /** Rows per value, per group. */
  byGroup: Map<string, Map<string, number>>;
  /** Each (row, value) counted, in row order: the rows behind the counts. */
  mentions: Array<{ row: ReportRow; value: string }>;
  /** Rows with no value for the field (absent, null, an empty list). */
  emptyRows: number;
}

export interface RowsSummary {
  /** The groups, most rows first, with their row counts. */
  groups: Array<{ name: string; rows: number }>;
  fields: FieldSummary[];
  /** Category fields whose values did not repeat enough to count (free text). */
  skipped: SkippedField[];
}

/**
 * Counts `fields` over `rows`. A row counts once per value: an array naming the same element
 * twice counts it once. Array elements and category strings are compared trimmed, with spaces
 * collapsed and case ignored (`Taste` and ` taste` are one value, shown as first written); enum
 * values are compared exactly.
 */
export function summariseRows(fields: readonly ReportField[], rows: readonly ReportRow[]): RowsSummary {
  const summaries: FieldSummary[] = [];
  const skipped: SkippedField[] = [];
  for (const field of fields) {
    const summary = countField(field, rows);
    const free = field.kind === 'category' ? freeTextReason(summary, rows.length) : undefined;
    if (free) skipped.push({ name: field.name, reason: free });
    else summaries.push(summary);
  }
  return { groups: groupSizes(rows), fields: summaries, skipped };
}

function countField(field: ReportField, rows: readonly ReportRow[]): FieldSummary {
  const summary: FieldSummary = { field, values: [], totals: new Map(field.values.map((v) => [v, 0])), byGroup: new Map(), mentions: [], emptyRows: 0 };
  const labels = new Map<string, string>();
  for (const row of rows) {
    const values = rowValues(field, row.result[field.name], labels);
    if (!values.length) summary.emptyRows++;
    let group = summary.byGroup.get(row.group);
    if (!group) summary.byGroup.set(row.group, (group = new Map()));
    for (const value of values) {
      summary.totals.set(value, (summary.totals.get(value) ?? 0) + 1);
      group.set(value, (group.get(value) ?? 0) + 1);
      summary.mentions.push({ row, value });
    }
  }
  const others = [...summary.totals.keys()].filter((v) => !field.values.includes(v));
  others.sort((a, b) => summary.totals.get(b)! - summary.totals.get(a)! || a.localeCompare(b));
  summary.values = [...field.values, ...others];
  return summary;
}

/** The row's distinct values of the field, as labels (the first spelling of each folded value). */
function rowValues(field: ReportField, value: unknown, labels: Map<string, string>): string[] {
  if (value === null || value === undefined) return [];
  if (field.kind === 'enum' || field.kind === 'boolean') return [valueText(value)];
  const items = field.kind === 'array' ? (Array.isArray(value) ? value : [value]) : [value];
  const found = new Set<string>();
  for (const item of items) {
    if (item === null || item === undefined) continue;
    const text = valueText(item).trim().replace(/\s+/g, ' ');
    if (!text) continue;
    const key = text.toLowerCase();
    if (!labels.has(key)) labels.set(key, text);
    found.add(labels.get(key)!);
  }
  return [...found];
}

/** Why a category field is free text rather than a category, or undefined when it counts. */
function freeTextReason(summary: FieldSummary, rowCount: number): string | undefined {
  const distinct = summary.values.length;
  const filled = rowCount - summary.emptyRows;
  if (distinct <= CATEGORY_LIMITS.maxValues && distinct < Math.max(2, filled * CATEGORY_LIMITS.maxShare)) return undefined;
  return `free text: ${distinct} distinct values in ${filled} rows (a string field is counted when it has at most ${CATEGORY_LIMITS.maxValues} values, fewer than half its rows; give it an enum to count it always)`;
}

function groupSizes(rows: readonly ReportRow[]): Array<{ name: string; rows: number }> {
  const sizes = new Map<string, number>();
  for (const row of rows) sizes.set(row.group, (sizes.get(row.group) ?? 0) + 1);
  return [...sizes].map(([name, n]) => ({ name, rows: n })).sort((a, b) => b.rows - a.rows || a.name.localeCompare(b.name));
}
