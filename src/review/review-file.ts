/**
 * The review list as a file of its own: with `--review PATH`, and beside a CSV output (a CSV
 * cannot hold a second sheet). xlsx by default, csv when the path ends `.csv`.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { writeTableFile } from '../workbook/write-table-file.ts';
import { reviewSheet, type ReviewRow } from './review-rows.ts';

/** `game.translated.csv` → `game.translated.review.xlsx` (xlsx: reviewers filter and comment in it). */
export function reviewPathFor(outPath: string): string {
  const ext = path.extname(outPath);
  return path.join(path.dirname(outPath), `${path.basename(outPath, ext)}.review.xlsx`);
}

/** True for the formats `--review` writes: `.xlsx`, or `.csv`. */
export function isReviewFileName(file: string): boolean {
  return /\.(xlsx|csv)$/i.test(file);
}

/**
 * Writes the list when there is something to review and returns its path; otherwise removes a
 * list an earlier run of the job left (it would name cells that are fine now) and returns null.
 */
export async function writeReviewFile(file: string, rows: readonly ReviewRow[]): Promise<string | null> {
  if (!rows.length) {
    await rm(file, { force: true });
    return null;
  }
  await writeTableFile(file, [reviewSheet(rows)]);
  return file;
}
