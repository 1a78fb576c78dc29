/**
 * What a reviewer needs about each `needs_review` and `failed` cell of a job, read from the task
 * table, and the one column layout every form of the list uses (the Review sheet in the output
 * workbook, a separate xlsx or csv file).
 */
import type { JobReadViews, TaskView } from '../store/job-store.ts';
import { storedFlags } from '../qa/qa-flags.ts';
import { parseTaskContext } from '../tasks/context.ts';
import { hasHardFlag } from '../store/queries/progress-queries.ts';
import { REVIEW_TASK_STATUSES } from '../store/statuses.ts';
import type { TableSheet } from '../workbook/write-workbook.ts';

export interface ReviewRow {
  sheet: string;
  cell: string;
  /** 0-based, for highlighting the cell itself. */
  row: number;
  col: number;
  key: string;
  /** The text field of a game-data sheet (`detail`); '' in string tables. */
  field: string;
  language: string;
  status: string;
  source: string;
  result: string;
  /** Whether the result is in the output workbook (hard flags are held back unless --write-unreviewed). */
  written: boolean;
  score: number | null;
  /** QA flag codes (`placeholder_mismatch`…), one per flag. */
  flags: string[];
  /** Why: each flag's explanation, or the error of a failed cell. */
  reason: string;
}

/** The list's columns, in order, with widths for the xlsx forms. */
export const REVIEW_COLUMNS = [
  { header: 'Sheet', width: 16 }, { header: 'Cell', width: 8 }, { header: 'Key', width: 20 }, { header: 'Language', width: 9 },
  { header: 'Status', width: 13 }, { header: 'Written', width: 8 }, { header: 'Score', width: 7 }, { header: 'Flags', width: 24 },
  { header: 'Reason', width: 50 }, { header: 'Source', width: 50 }, { header: 'Result', width: 50 }, { header: 'Field', width: 14 },
] as const;

/** The name the sheet is given in the output workbook (`Review (2)`… when taken). */
export const REVIEW_SHEET_NAME = 'Review';

const PAGE = 1_000;

/** The job's needs_review and failed tasks, in task order. */
export async function reviewRows(store: JobReadViews, jobId: string, writeUnreviewed: boolean): Promise<ReviewRow[]> {
  const rows: ReviewRow[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.taskPage(jobId, { statuses: [...REVIEW_TASK_STATUSES], offset, limit: PAGE });
    rows.push(...page.rows.map((task) => toRow(task, writeUnreviewed)));
    if (page.rows.length < PAGE) return rows;
  }
}

/** One row of cells per review row, in REVIEW_COLUMNS order. */
export function reviewCells(row: ReviewRow): Array<string | number | null> {
  return [row.sheet, row.cell, row.key, row.language, row.status, row.written ? 'yes' : 'no', row.score, row.flags.join('\n'), row.reason, row.source, row.result, row.field];
}

/** The list as a sheet to append to the output workbook. */
export function reviewSheet(rows: readonly ReviewRow[]): TableSheet {
  return { name: REVIEW_SHEET_NAME, columns: REVIEW_COLUMNS, rows: rows.map(reviewCells) };
}

function toRow(task: TaskView, writeUnreviewed: boolean): ReviewRow {
  const isReview = task.status === 'needs_review';
  const flags = storedFlags(task.qa_flags);
  return {
    sheet: task.sheet_name,
    cell: task.cell_ref,
    row: task.row_idx,
    col: task.col_idx,
    ...keyAndField(task.source_context),
    language: task.target_lang,
    status: task.status,
    source: task.source_text,
    result: task.result ?? '',
    written: isReview && (writeUnreviewed || !hasHardFlag(task.qa_flags)),
    score: task.quality_score,
    flags: flags.map((f) => f.code),
    reason: task.error_type ? `${task.error_type}: ${task.error_msg ?? ''}` : flags.map((f) => f.message).join('\n'),
  };
}

/** A translation's key and field; a map job's row id (its `--id` value or row number) as the key. */
function keyAndField(json: string | null): { key: string; field: string } {
  try {
    const context = json ? (parseTaskContext(json) as ReturnType<typeof parseTaskContext> & { id?: unknown }) : undefined;
    const rowId = context?.id;
    return { key: context?.key ?? (rowId === undefined ? '' : String(rowId)), field: context?.field ?? '' };
  } catch {
    return { key: '', field: '' };
  }
}
