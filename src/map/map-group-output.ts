/**
 * A group job's output table (`--group-by`): one row per group, in the order the groups first
 * appear in the source — the group's value, its number of rows and the ids of the rows sent
 * (groupColumns), then one column per top-level schema property (cellText: arrays and objects as
 * JSON text). It is a new table, not a copy of the source: a group's one result written into each
 * of its rows would read as a finding about each review, which it is not.
 *
 * Every group has its row; a group whose result is not written (failed, or held back for review)
 * keeps its result cells empty, as a failed translation's cell stays empty, and is in the review
 * list. Held in memory: one entry per written group (a group job has far fewer groups than rows).
 */
import type { JobReadViews } from '../store/job-store.ts';
import type { TableSheet } from '../workbook/xlsx/table-sheet-xml.ts';
import { cellText, groupCells, parseResult } from './map-output.ts';
import { groupColumns, type MapSpec } from './map-spec.ts';

const PAGE = 1_000;

/** Which results: as writableResults takes them (the job's `--write-unreviewed`, a checkpoint). */
export interface GroupTableOptions {
  writeUnreviewed: boolean;
  upToCheckpoint?: string;
}

export async function groupTable(store: JobReadViews, jobId: string, spec: MapSpec & { groupBy: string }, options: GroupTableOptions): Promise<TableSheet> {
  const results = new Map<number, Record<string, unknown>>();
  for await (const r of store.writableResults(jobId, { ...options, withContext: false })) results.set(r.rowIdx, parseResult(r.result) ?? {});
  const head = groupColumns(spec.groupBy);
  const rows: Array<Array<string | number | null>> = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.taskPage(jobId, { offset, limit: PAGE });
    for (const task of page.rows) {
      const group = groupCells(spec.groupBy, { sourceContext: task.source_context });
      const result = results.get(task.row_idx);
      rows.push([...head.map((c) => cell(group[c])), ...spec.resultColumns.map((c) => (result ? cell(result[c]) : null))]);
    }
    if (page.rows.length < PAGE) break;
  }
  return { name: sheetName(spec.sheetName), columns: [...head, ...spec.resultColumns].map((header) => ({ header, width: header === spec.groupBy ? 16 : 40 })), rows };
}

/** Numbers stay numbers (a sheet sorts and sums them); everything else as cellText writes it. */
function cell(value: unknown): string | number | null {
  return typeof value === 'number' ? value : (cellText(value) ?? null);
}

/** The source sheet's name as an xlsx sheet may bear it (at most 31 characters, none of []:*?/\\); a CSV source's is its file name. */
function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31) || 'Groups';
}
