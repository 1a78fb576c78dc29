/**
 * Writes a job's output (issue 4 "Review output"): its results into a copy of the source, and
 * the list of cells to review — by default a `Review` sheet appended to the output workbook, else
 * a file of its own (`--review PATH`, and always beside a CSV output, which cannot hold a sheet).
 * With `--highlight`, flagged cells get a fill; without it no style changes. A job with nothing
 * left to review gets no Review sheet, so a re-export after fixes is the plain workbook again.
 */
import path from 'node:path';
import { FanyiError } from '../errors.ts';
import type { JobReadViews, JobRow, WritableResultsOptions } from '../store/job-store.ts';
import type { DocumentFormat } from '../workbook/sheet-model.ts';
import { boundsOf, mergeRows, unionBounds, type EditBounds, type SheetEdits } from '../workbook/sheet-edits.ts';
import { writeTranslatedCopy, type CellEdit, type EncodingLoss, type OutputEncoding } from '../workbook/write-workbook.ts';
import type { MapSpec } from '../map/map-spec.ts';
import { groupTable } from '../map/map-group-output.ts';
import { isJsonLinesPath, resultEdits, writeJsonLines } from '../map/map-output.ts';
import { isCsvPath, writeTableFile } from '../workbook/write-table-file.ts';
import { reviewPathFor, writeReviewFile } from './review-file.ts';
import { reviewRows, reviewSheet, type ReviewRow } from './review-rows.ts';

/** How results are written; each option not given falls back to the one stored with the job. */
export interface OutputOptions {
  /** Also write `needs_review` results with hard flags (`--write-unreviewed`). Default false. */
  writeUnreviewed?: boolean;
  /** Give flagged (`needs_review`) cells a fill in the output (`--highlight`). Default false. */
  highlight?: boolean;
  /** Write the review list to this file (xlsx, or csv by extension) instead of a Review sheet. */
  reviewPath?: string;
  /** A CSV output's encoding (`--encoding`): `keep` the source's (default) or `utf-8-bom`. */
  encoding?: OutputEncoding;
  /** Only results that checkpoint (or an earlier one) covers: the checkpoint's workbook, built when asked. */
  upToCheckpoint?: string;
}

/** The part of a job's stored options (engine.ts JobOptions) that writing reads. */
interface StoredOptions extends OutputOptions {
  format: DocumentFormat;
  newHeaders: Array<{ sheetName: string; row: number; col: number; text: string }>;
  /** A map job's spec: each result spreads over its result columns. */
  map?: MapSpec;
}

export interface WrittenOutput {
  outPath: string;
  /** The sheet of the output workbook listing the cells to review; null when there is none. */
  reviewSheet: string | null;
  /** The separate review file written; null when the list went into the workbook, or is empty. */
  reviewFile: string | null;
  /** A CSV written in its source's encoding holding text that encoding's readers cannot read; null when none. */
  encodingLoss: EncodingLoss | null;
}

/**
 * Writes the output to `target`. `withFile` false (checkpoints, an API download) writes the
 * workbook alone, Review sheet included, and no separate review file.
 */
export async function writeJobOutput(store: JobReadViews, job: JobRow, target: string, given: OutputOptions = {}, withFile = true): Promise<WrittenOutput> {
  const stored = JSON.parse(job.options) as StoredOptions;
  const options = outputOptions(stored, given);
  if (stored.map && isJsonLinesPath(target)) return writeJsonLinesOutput(store, job.job_id, target, stored.map, options, given.upToCheckpoint, withFile);
  if (stored.map?.groupBy) return writeGroupOutput(store, job.job_id, target, { ...stored.map, groupBy: stored.map.groupBy }, options, given.upToCheckpoint, withFile);
  const file = reviewFileFor(stored.format, target, options.reviewPath);
  const rows = file === null || options.highlight || withFile ? await reviewRows(store, job.job_id, options.writeUnreviewed) : [];
  const edits = storedEdits(store, job.job_id, stored, { writeUnreviewed: options.writeUnreviewed, upToCheckpoint: given.upToCheckpoint });
  const written = await writeTranslatedCopy(job.source_path, stored.format, target, edits, {
    highlight: options.highlight ? flaggedCells(rows) : undefined,
    appendSheet: file === null && rows.length ? reviewSheet(rows) : undefined,
    encoding: options.encoding,
  });
  const reviewFile = file !== null && withFile ? await writeReviewFile(file, rows) : null;
  return { outPath: target, reviewSheet: written.appendedSheet ?? null, reviewFile, encodingLoss: written.encodingLoss ?? null };
}

/**
 * The job's edits a sheet at a time, each in row order as the store pages them (writableResults
 * with `sheet`): the new headers, then the results, a map job's spread over its result columns.
 * The patcher takes them a window of rows at a time, so no list of every edit is built (a
 * million-row job has 3,000,000).
 */
function storedEdits(store: JobReadViews, jobId: string, stored: StoredOptions, which: Pick<WritableResultsOptions, 'writeUnreviewed' | 'upToCheckpoint'>): SheetEdits {
  const headers = (sheetName: string): CellEdit[] =>
    stored.newHeaders.filter((h) => h.sheetName === sheetName).map((h) => ({ sheetName, row: h.row, col: h.col, text: h.text })).sort((a, b) => a.row - b.row);
  return {
    sheets: async () => {
      const sheets = new Map<string, EditBounds>();
      for (const { sheetName, ...extent } of await store.writableExtents(jobId, which)) sheets.set(sheetName, extent);
      // A map job's results spread right of its task's column: its result headers span them.
      for (const h of stored.newHeaders) sheets.set(h.sheetName, unionBounds(sheets.get(h.sheetName), boundsOf([h]))!);
      return sheets;
    },
    cells: (sheetName) => {
      const results = store.writableResults(jobId, { ...which, sheet: sheetName });
      return mergeRows(headers(sheetName), stored.map ? resultEdits(stored.map, results) : resultCells(results));
    },
  };
}

/** A translation's results: each its own cell. */
async function* resultCells(results: AsyncIterable<{ sheetName: string; rowIdx: number; colIdx: number; result: string }>): AsyncGenerator<CellEdit> {
  for await (const r of results) yield { sheetName: r.sheetName, row: r.rowIdx, col: r.colIdx, text: r.result };
}

/**
 * A map job's `--out results.jsonl`: a line per written row, and the review list in a file of its
 * own (`--review`, else `<out>.review.xlsx`), as beside a CSV.
 */
async function writeJsonLinesOutput(store: JobReadViews, jobId: string, target: string, spec: MapSpec, options: ReturnType<typeof outputOptions>, upToCheckpoint: string | undefined, withFile: boolean): Promise<WrittenOutput> {
  const file = options.reviewPath ?? reviewPathFor(target);
  checkReviewPath(file, target);
  await writeJsonLines(target, store.writableResults(jobId, { writeUnreviewed: options.writeUnreviewed, upToCheckpoint, withContext: true }), spec);
  const reviewFile = withFile ? await writeReviewFile(file, await reviewRows(store, jobId, options.writeUnreviewed)) : null;
  return { outPath: target, reviewSheet: null, reviewFile, encodingLoss: null };
}

/**
 * A group job's output (map-group-output.ts): a new table, one row per group, CSV or xlsx by the
 * target's extension; the review list a sheet of the xlsx (unless `--review`), else a file beside
 * it. Highlighting has no cells of the source to colour here (the CLI refuses it).
 */
async function writeGroupOutput(store: JobReadViews, jobId: string, target: string, spec: MapSpec & { groupBy: string }, options: ReturnType<typeof outputOptions>, upToCheckpoint: string | undefined, withFile: boolean): Promise<WrittenOutput> {
  const file = reviewFileFor(isCsvPath(target) ? 'csv' : 'xlsx', target, options.reviewPath);
  const table = await groupTable(store, jobId, spec, { writeUnreviewed: options.writeUnreviewed, upToCheckpoint });
  const rows = await reviewRows(store, jobId, options.writeUnreviewed);
  const review = file === null && rows.length ? [reviewSheet(rows)] : [];
  await writeTableFile(target, [table, ...review]);
  const reviewFile = file !== null && withFile ? await writeReviewFile(file, rows) : null;
  return { outPath: target, reviewSheet: review.length ? review[0].name : null, reviewFile, encodingLoss: null };
}

/** Given options over stored ones over the defaults. */
export function outputOptions(stored: OutputOptions, given: OutputOptions): { writeUnreviewed: boolean; highlight: boolean; reviewPath?: string; encoding: OutputEncoding } {
  return {
    writeUnreviewed: given.writeUnreviewed ?? stored.writeUnreviewed ?? false,
    highlight: given.highlight ?? stored.highlight ?? false,
    reviewPath: given.reviewPath ?? stored.reviewPath,
    encoding: given.encoding ?? stored.encoding ?? 'keep',
  };
}

/**
 * The separate review file: `--review PATH`, else `<out>.review.xlsx` beside a CSV output; null
 * when the list goes into a Review sheet of the output workbook.
 */
export function reviewFileFor(format: DocumentFormat, outPath: string, reviewPath?: string): string | null {
  checkReviewPath(reviewPath, outPath);
  return reviewPath ?? (format === 'xlsx' ? null : reviewPathFor(outPath));
}

/** A review file must not overwrite the output it describes. */
export function checkReviewPath(reviewPath: string | undefined, outPath: string | null | undefined): void {
  if (reviewPath && outPath && path.resolve(reviewPath) === path.resolve(outPath)) {
    throw new FanyiError('USAGE', `--review ${reviewPath} is the output file itself; name another file`);
  }
}

/** Cells a person must look at: written with soft flags, or held back with hard ones. */
function flaggedCells(rows: readonly ReviewRow[]): Array<{ sheetName: string; row: number; col: number }> {
  return rows.filter((r) => r.status === 'needs_review').map((r) => ({ sheetName: r.sheet, row: r.row, col: r.col }));
}
