/**
 * A map job's results as output: one new column per top-level schema property in a copy of the
 * source (cells, written with the same guarantees as a translation's: review/job-output.ts), or
 * one JSON line per row (`--out results.jsonl`).
 */
import type { WritableResult } from '../store/job-store.ts';
import { writeFileAtomic } from '../workbook/csv/csv-write.ts';
import type { CellEdit } from '../workbook/write-workbook.ts';
import { groupColumns, type MapSpec } from './map-spec.ts';

/** True for an output path that gets JSON lines rather than a copy of the source. */
export function isJsonLinesPath(target: string): boolean {
  return /\.jsonl$/i.test(target);
}

/** The header cells of the result columns (stored as the job's `newHeaders`). */
export function resultHeaders(spec: MapSpec): Array<{ sheetName: string; row: number; col: number; text: string }> {
  return spec.resultColumns.map((name, i) => ({ sheetName: spec.sheetName, row: spec.headerRow, col: spec.firstResultCol + i, text: name }));
}

/** A result value as cell text: strings as they are, numbers and booleans written out, arrays and objects as JSON; null or absent leaves the cell empty. */
export function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Each stored result spread over the result columns of its row (col_idx is the first). */
export async function* resultEdits(spec: Pick<MapSpec, 'resultColumns'>, results: AsyncIterable<WritableResult>): AsyncGenerator<CellEdit> {
  for await (const r of results) {
    const value = parseResult(r.result);
    for (const [i, name] of spec.resultColumns.entries()) {
      const text = cellText(value?.[name]);
      if (text !== undefined) yield { sheetName: r.sheetName, row: r.rowIdx, col: r.colIdx + i, text };
    }
  }
}

/**
 * `{"id": <id>, …result}` per row, in row order: the `--id` column's value, else the row number.
 * A group job's line is `{"<group-by column>": value, "rows": n, "rows_sent": [ids], …result}`
 * per group (groupColumns). Results need their stored context (writableResults withContext):
 * the row's id, the group's value and sample are kept there.
 */
export async function writeJsonLines(target: string, results: AsyncIterable<WritableResult>, spec: Pick<MapSpec, 'groupBy'> = {}): Promise<number> {
  let count = 0;
  // Written as they are read, a few dozen kilobytes per write: a million rows are never held.
  async function* chunks(): AsyncGenerator<Buffer> {
    let pending = '';
    for await (const r of results) {
      const value = parseResult(r.result) ?? {};
      const line = spec.groupBy ? { ...groupCells(spec.groupBy, r), ...value } : { id: rowId(r), ...withoutId(value) };
      pending += `${JSON.stringify(line)}\n`;
      count++;
      if (pending.length >= JSON_LINES_CHUNK) {
        yield Buffer.from(pending, 'utf8');
        pending = '';
      }
    }
    if (pending) yield Buffer.from(pending, 'utf8');
  }
  await writeFileAtomic(target, chunks());
  return count;
}

/** Characters of JSON lines gathered per write. */
const JSON_LINES_CHUNK = 64 * 1024;

/** The group's own columns (groupColumns: value, rows, rows_sent) from its task's context; a schema cannot name them (map-spec.ts). */
export function groupCells(groupBy: string, task: { sourceContext?: string | null }): Record<string, unknown> {
  const context = parseResult(task.sourceContext ?? '') ?? {};
  const [key, rows, sent] = groupColumns(groupBy);
  return { [key]: context.id ?? null, [rows]: context.rows ?? null, [sent]: context.sent ?? [] };
}

/** A result property named `id` would be overwritten by the row's: it is kept as `result_id`. */
function withoutId(value: Record<string, unknown>): Record<string, unknown> {
  if (!('id' in value)) return value;
  const { id, ...rest } = value;
  return { ...rest, result_id: id };
}

/** The row's id kept in its task's context (the `--id` value), else its row number (1-based). */
export function rowId(r: WritableResult): string | number {
  const id = parseResult(r.sourceContext ?? '')?.id;
  // A task without a readable context is named by its row.
  return typeof id === 'string' || typeof id === 'number' ? id : r.rowIdx + 1;
}

/** A stored result as an object; undefined when it is not one (unparseable, an array). */
export function parseResult(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
