/**
 * `system.max_memory_usage`: what reading and planning a workbook would hold, judged from its size
 * before anything is read, so a workbook that cannot fit is refused up front (exit 2, nothing
 * stored, nothing sent) instead of the process being killed mid-store; and how many rows a planning
 * block takes under the budget, so a smaller budget means smaller blocks, not a crash.
 *
 * The need is a line fitted through `translate`'s peaks in `npm run bench:big` (string tables,
 * 3 targets, ~40% duplicates; `estimate` holds less), with the CLI's heap growth factor of 1.2
 * (bin/fanyi.js): 100,000 rows, whose sheet and shared-strings parts expand to 24.5 MB, peaked at
 * 462 MB; 1,000,000 rows (253 MB of parts) at 2,733 MB, in the write-back (read, plan and store
 * stayed under 760 MB). That is ~220 MB plus ~9.9 bytes per byte of part, taken as 300 MB and 10
 * (MB = 2^20 bytes throughout).
 * What grows with the file is the sheet held as rows (SheetTable), one map entry per unique text
 * and, at the end, the write-back's edits and the patched sheet XML held whole.
 */
import { FanyiError } from '../errors.ts';

const MB = 1024 * 1024;
/** What a run holds whatever the workbook's size: node, the engine, SQLite's cache, V8's heap slack. */
export const BASE_BYTES = 300 * MB;
/** Resident bytes per byte of sheet and shared-strings XML. */
export const BYTES_PER_XML_BYTE = 10;
/** CSV holds every cell as a string with no markup around it: a byte of CSV costs what ~3 of xlsx XML do (bench:big's rows: ~80 bytes of CSV, ~265 of XML). */
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
