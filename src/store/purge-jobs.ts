import { rm } from 'node:fs/promises';
import path from 'node:path';
import { FanyiError } from '../errors.ts';
import type { FileStore } from './files/file-store.ts';
import type { JobStore } from './job-store.ts';
import { FINISHED_JOB_STATUSES } from './statuses.ts';

/** Jobs no process works on: finished, or paused. */
const PURGEABLE_JOB_STATUSES = [...FINISHED_JOB_STATUSES, 'paused'] as const;

export interface PurgeParts {
  store: JobStore;
  files: FileStore;
  /** This machine's files dir: the API's outputs and the checkpoint workbooks built here live under it. */
  filesDir: string;
}

/** What purging one job removed (or, dry, would remove). */
export interface PurgedJob {
  jobId: string;
  status: string;
  /** Rows deleted per table (dry run: the job's tasks only, counted). */
  rows: Record<string, number>;
  /** Stored files deleted because nothing else names them: the source, the upload, checkpoint increments, reports. */
  files: string[];
}

/** Jobs or uploads read and deleted per round. */
const PAGE = 500;

/**
 * Deletes a finished job: its rows, in one transaction, then the stored files only it named
 * (files are content-addressed, so another job of the same workbook keeps its source), then what
 * this machine built for it under the files dir (an API job's output, checkpoint workbooks). A
 * file the user named (`--out`) is never touched. Its results reach translation memory first, so
 * purging forgets the job, not what it translated.
 */
export async function purgeJob(parts: PurgeParts, jobId: string, options: { dryRun?: boolean } = {}): Promise<PurgedJob> {
  const { store, files, filesDir } = parts;
  const job = await store.getJob(jobId);
  if (!job) throw new FanyiError('JOB_NOT_FOUND', `no job ${jobId} in this store (see fanyi status)`);
  // A paused job is named on purpose (the age rule takes finished ones only); one that may be running is not taken from under its workers.
  if (!(PURGEABLE_JOB_STATUSES as readonly string[]).includes(job.status)) {
    throw new FanyiError('USAGE', `job ${jobId} is ${job.status}; a job is purged once finished or paused: pause or cancel it first (POST /api/v3/pause/${jobId} or /cancel/${jobId}, or Ctrl-C its translate)`);
  }
  // Paused with claimed batches still finishing: their commits would land in a deleted job (a dead worker's lease has run out).
  const leased = (await store.leasedBatches(jobId)).filter((b) => (b.leaseUntil ?? 0) > Date.now());
  if (leased.length) throw new FanyiError('USAGE', `job ${jobId} still has ${leased.length} batches in flight (claimed before the pause); purge it once they finish`);
  const named = new Set<string>();
  if (job.source_file) named.add(job.source_file);
  const upload = await store.getUpload(jobId);
  if (upload) named.add(upload.fileId);
  for (const checkpoint of await store.listCheckpoints(jobId)) {
    for (const id of (checkpoint.metadata as { increments?: string[] } | null)?.increments ?? []) named.add(id);
  }
  // Report workbooks (`fanyi report`), each recorded as a `report` event naming its stored file (report/report-state.ts).
  for (const event of await store.jobEvents(jobId, 10_000, ['report'])) {
    const fileId = (event.data as { fileId?: unknown } | undefined)?.fileId;
    if (typeof fileId === 'string') named.add(fileId);
  }
  if (options.dryRun) {
    return { jobId, status: job.status, rows: { tasks: job.total_tasks }, files: [...named] };
  }
  await store.rememberResults(jobId);
  const rows = await store.deleteJob(jobId);
  if (upload) await store.deleteUpload(jobId);
  const deleted: string[] = [];
  for (const id of named) {
    if (await store.isFileReferenced(id)) continue;
    await files.delete(id);
    deleted.push(id);
  }
  await rm(path.join(filesDir, 'checkpoints', jobId), { recursive: true, force: true });
  if (job.out_path && isInside(job.out_path, path.join(filesDir, 'outputs'))) await rm(job.out_path, { force: true });
  return { jobId, status: job.status, rows, files: deleted };
}

/**
 * Purges every finished job last changed before `before`, oldest first, a page at a time (a big
 * store is never listed whole; each page is deleted before the next is read). A dry run lists up
 * to `limit` of them.
 */
export async function purgeFinishedJobs(parts: PurgeParts, before: number, options: { dryRun?: boolean; limit?: number } = {}): Promise<PurgedJob[]> {
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  if (options.dryRun) {
    const listed: PurgedJob[] = [];
    for (const id of await parts.store.finishedJobsBefore(before, Math.min(limit, 100_000))) listed.push(await purgeJob(parts, id, options));
    return listed;
  }
  const purged: PurgedJob[] = [];
  while (purged.length < limit) {
    const page = await parts.store.finishedJobsBefore(before, Math.min(PAGE, limit - purged.length));
    if (!page.length) break;
    for (const id of page) purged.push(await purgeJob(parts, id));
  }
  return purged;
}

/** Upload sessions made before `before` that never became a job: the rows, and their files when nothing else names them. */
export async function purgeStaleUploads(parts: PurgeParts, before: number, options: { dryRun?: boolean } = {}): Promise<Array<{ sessionId: string; fileDeleted: boolean }>> {
  const { store, files } = parts;
  const purged: Array<{ sessionId: string; fileDeleted: boolean }> = [];
  for (;;) {
    const stale = await store.staleUploads(before, PAGE);
    if (options.dryRun) return stale.map((u) => ({ sessionId: u.sessionId, fileDeleted: false }));
    if (!stale.length) return purged;
    for (const upload of stale) {
      await store.deleteUpload(upload.sessionId);
      const fileDeleted = !(await store.isFileReferenced(upload.fileId));
      if (fileDeleted) await files.delete(upload.fileId);
      purged.push({ sessionId: upload.sessionId, fileDeleted });
    }
  }
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, path.resolve(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
