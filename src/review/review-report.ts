/**
 * The review report (issue 4 "Review output"): every `needs_review` and `failed` cell of a job in
 * a workbook of its own beside the output, `<out>.review.xlsx`. The output workbook itself keeps
 * only its target cells changed, so the list cannot go into it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { JobStore, TaskView } from '../store/job-store.ts';
import { hasHardFlag } from '../store/queries/progress-queries.ts';

export interface ReviewRow {
  sheet: string;
  cell: string;
  key: string;
  language: string;
  status: string;
  source: string;
  result: string;
  /** Whether the result is in the output workbook (hard flags are held back unless --write-unreviewed). */
  written: boolean;
  score: number | null;
  flags: string[];
  error: string;
}

const PAGE = 1_000;

/** `game.translated.xlsx` → `game.translated.review.xlsx` (always xlsx: reviewers filter and comment in it). */
export function reviewPathFor(outPath: string): string {
  const ext = path.extname(outPath);
  return path.join(path.dirname(outPath), `${path.basename(outPath, ext)}.review.xlsx`);
}

/** The job's needs_review and failed tasks, in task order. */
export async function reviewRows(store: JobStore, jobId: string, writeUnreviewed: boolean): Promise<ReviewRow[]> {
  const rows: ReviewRow[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.taskPage(jobId, { statuses: ['needs_review', 'failed'], offset, limit: PAGE });
    rows.push(...page.rows.map((task) => toRow(task, writeUnreviewed)));
    if (page.rows.length < PAGE) return rows;
  }
}

function toRow(task: TaskView, writeUnreviewed: boolean): ReviewRow {
  const isReview = task.status === 'needs_review';
  return {
    sheet: task.sheet_name,
    cell: task.cell_ref,
    key: contextKey(task.source_context),
    language: task.target_lang,
    status: task.status,
    source: task.source_text,
    result: task.result ?? '',
    written: isReview && (writeUnreviewed || !hasHardFlag(task.qa_flags)),
    score: task.quality_score,
    flags: task.qa_flags ? (JSON.parse(task.qa_flags) as string[]) : [],
    error: task.error_type ? `${task.error_type}: ${task.error_msg ?? ''}` : '',
  };
}

function contextKey(json: string | null): string {
  try {
    return (JSON.parse(json ?? '{}') as { key?: string }).key ?? '';
  } catch {
    return '';
  }
}

/**
 * Writes the report when there is something to review and returns its path; otherwise removes a
 * report an earlier run of the job left (it would list cells that are fine now) and returns null.
 */
export async function writeReviewReport(file: string, rows: readonly ReviewRow[]): Promise<string | null> {
  if (!rows.length) {
    await rm(file, { force: true });
    return null;
  }
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Review', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [
    { header: 'Sheet', width: 16 }, { header: 'Cell', width: 8 }, { header: 'Key', width: 20 }, { header: 'Language', width: 9 },
    { header: 'Status', width: 13 }, { header: 'Written', width: 8 }, { header: 'Score', width: 7 }, { header: 'Flags', width: 50 },
    { header: 'Error', width: 40 }, { header: 'Source', width: 50 }, { header: 'Result', width: 50 },
  ];
  for (const r of rows) {
    sheet.addRow([r.sheet, r.cell, r.key, r.language, r.status, r.written ? 'yes' : 'no', r.score, r.flags.join('\n'), r.error, r.source, r.result]);
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 11 } };
  sheet.getRow(1).font = { bold: true };
  await workbook.xlsx.writeFile(file);
  return file;
}
