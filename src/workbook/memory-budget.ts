/**
 * `system.max_memory_usage`: what reading, planning and writing back a workbook would hold, judged
 * from its size before anything is read, so a workbook that cannot fit is refused up front (exit
 * 2, nothing stored, nothing sent) instead of the process being killed mid-run; and how many rows
 * a planning block takes under the budget, so a smaller budget means smaller blocks, not a crash.
 *
 * The need is a line through `translate`'s peaks in `npm run bench:big` (string tables, 3
 * targets, ~40% duplicates; `estimate` holds less), measured with the workbook planned from a scan
 * (sheet-sample.ts), the write-back reading results in row order (sheet-edits.ts) and the CLI's
 * heap growth factor of 1.2 (bin/fanyi.js): 100,000 rows, whose sheet and shared-strings parts
 * expand to 24.5 MB, peaked at 323 MB; 1,000,000 rows (253 MB of parts) at 580 MB (its
 * `estimate` at 474 MB). That is ~295 MB plus ~1.13 bytes per byte of part, taken as 300 MB and
 * 1.25 (MB = 2^20 bytes throughout), which asks 331 and 616 MB of the two. What grows with the
 * file is the shared strings and one hash-table slot per unique text (key-table.ts); the sheet and
 * the write-back's edits are streamed a window of rows at a time, never held whole. (Earlier
 * lines: 300 MB + 2.5 bytes a byte while the write-back grouped every result by row, through
 * peaks of 358 and 921 MB; 300 MB + 10 before the scan, through 462 and 2,733 MB.)
 */
import { FanyiError } from '../errors.ts';

const MB = 1024 * 1024;
/** What a run holds whatever the workbook's size: node, the engine, SQLite's cache, V8's heap slack. */
export const BASE_BYTES = 300 * MB;
/** Resident bytes per byte of sheet and shared-strings XML. */
export const BYTES_PER_XML_BYTE = 1.25;
/** A CSV row carries its text with no markup around it: a byte of CSV costs what ~3 of xlsx XML do (bench:big's rows: ~82 bytes of CSV, ~265 of XML; its `estimate` peaked at 260 MB as a CSV, 249 MB as an xlsx, at 100,000 rows). */
export const BYTES_PER_CSV_BYTE = 3 * BYTES_PER_XML_BYTE;

/** Share of the budget one planning block of task drafts may take. */
const BLOCK_SHARE = 1 / 32;
/** Resident bytes per row of a planning block: three drafts (one per target), each 290 bytes of heap once made (measured on bench:big's rows) and ~1 KB with the garbage making, planning and storing it leaves. */
const BYTES_PER_BLOCK_ROW = 3 * 1024;
export const MAX_BLOCK_ROWS = 20_000;
export const MIN_BLOCK_ROWS = 500;

/** What reading and planning `partBytes` of sheet XML (or CSV bytes) would hold at its peak, in bytes. */
export function memoryNeed(partBytes: number, kind: 'xlsx' | 'csv'): number {
  return BASE_BYTES + partBytes * (kind === 'xlsx' ? BYTES_PER_XML_BYTE : BYTES_PER_CSV_BYTE);
}

/**
 * @throws FanyiError `FILE_TOO_LARGE` (exit 2, HTTP 413) when the need is over `maxMemoryBytes`,
 *   with the need, the limit and what to do, on one line.
 */
export function checkMemoryBudget(name: string, partBytes: number, kind: 'xlsx' | 'csv', maxMemoryBytes: number | undefined): void {
  if (maxMemoryBytes === undefined) return;
  const need = memoryNeed(partBytes, kind);
  if (need <= maxMemoryBytes) return;
  const what = kind === 'xlsx' ? `its sheets expand to ${mb(partBytes)}` : `${mb(partBytes)} of text`;
  throw new FanyiError('FILE_TOO_LARGE', `${name} needs about ${mb(need)} of memory to plan (${what}), over system.max_memory_usage (${mb(maxMemoryBytes)}); split the workbook or raise system.max_memory_usage`);
}

/** Rows of a planning block under a budget of `maxMemoryMb` (no budget: the full block). */
export function blockRowsFor(maxMemoryMb: number | undefined): number {
  if (maxMemoryMb === undefined) return MAX_BLOCK_ROWS;
  const rows = Math.floor((maxMemoryMb * MB * BLOCK_SHARE) / BYTES_PER_BLOCK_ROW);
  return Math.max(MIN_BLOCK_ROWS, Math.min(MAX_BLOCK_ROWS, rows));
}

function mb(bytes: number): string {
  const mbs = bytes / MB;
  return mbs < 10 ? `${mbs.toFixed(1)} MB` : `${Math.ceil(mbs).toLocaleString('en-US')} MB`;
}
