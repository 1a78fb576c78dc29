import { CompiledQuery, Kysely, Migrator, type Transaction } from 'kysely';
import type {
  BatchRow,
  CallMeta,
  CheckpointRow,
  ClaimedBatch,
  EndpointStats,
  GroupProgress,
  ItemFailure,
  ItemResult,
  JobEvent,
  JobRow,
  JobStore,
  JobTotals,
  NewJob,
  StatusCounts,
  NewTaskRow,
  TaskSnapshotRow,
  WritableResult,
  WritableResultsOptions,
  ResultExtent,
} from './job-store.ts';
import { GroupCommit } from './group-commit.ts';
import { claimBatchById, claimBatches } from './queries/claim-queries.ts';
import { addCall, applyCommit, failItems, finishBatch, recordRetry, releaseBatch, type PendingCommit } from './queries/task-writes.ts';
import { migrationProvider } from './migrations/index.ts';
import { groupSizes, queryStats, queryStatsEnabled } from './query-stats.ts';
import { chunks, flatten, lazyChunks, lazyChunksAsync } from './sql-chunks.ts';
import { appendLog, endpointStats, insertEvent, recentEvents, type LogEntry } from './queries/call-queries.ts';
import { deleteCheckpoint, hasUnstamped, insertCheckpoint, listCheckpoints, taskSnapshot, updateCheckpointMetadata } from './queries/checkpoint-queries.ts';
import { countByStatus, progressByGroup, writableExtents, writableResults } from './queries/progress-queries.ts';
import { countByFlag } from './queries/flag-queries.ts';
import { activeJobLoad, listTenantJobs, taskPage, taskStatistics } from './queries/api-queries.ts';
import { loadGlossary, lookupMemory, readMemory, rememberJob, rememberPendingJobs, saveGlossary } from './queries/memory-queries.ts';
import { callSamples, listPausedGroups, pauseGroups, recentTasks, resumeGroups, runnableBatchCount } from './queries/control-queries.ts';
import type { CreateJobReads, GlossaryTermRow, NewTaskRows, OpenBatch, WorkerInfo } from './job-store.ts';
import { completeJob, listWorkers, openBatches, removeWorker, saveWorker } from './queries/worker-queries.ts';
import type { ActiveLoad, CallSample, RecentTask, TaskPage, TaskPageQuery, TaskStatistics } from './job-store.ts';
import type { Database, JobStatus } from './schema.ts';
import { FINISHED_JOB_STATUSES, isStatusIn, RESUMABLE_JOB_STATUSES } from './statuses.ts';
import type { StoreAdapter } from './store-adapter.ts';
import type { FileStore } from './files/file-store.ts';
import { KyselyFileStore } from './files/kysely-file-store.ts';
import { deleteUpload, insertUpload, selectUpload } from './queries/upload-queries.ts';
import { deleteJobRows, finishedJobsBefore, isFileReferenced, staleUploads } from './queries/retention-queries.ts';
import type { UploadRow } from './job-store.ts';

/** Most columns bound per new task row (see NewTaskRow: 18, plus 2 when translation memory answered some). */
const TASK_COLUMNS = 20;
const BATCH_COLUMNS = 17;
const TRANSIENT_ERRORS = ['timeout', 'server', 'network', 'rate_limit'];

/** The store on any Kysely dialect; dialect differences come from the adapter's capability flags. */
export class KyselyJobStore implements JobStore {
  readonly #db: Kysely<Database>;
  readonly #adapter: StoreAdapter;
  readonly #commits = new GroupCommit<PendingCommit>(
    (group) =>
      this.#db.transaction().execute(async (trx) => {
        for (const commit of group) await applyCommit(trx, commit, this.#adapter);
      }),
    (size) => queryStatsEnabled && groupSizes.push(size),
  );

  constructor(adapter: StoreAdapter) {
    this.#adapter = adapter;
    this.#db = new Kysely<Database>({ dialect: adapter.createDialect(), log: queryStatsEnabled ? queryStats : undefined });
  }

  async migrate(): Promise<void> {
    await this.#adapter.prepare?.();
    // Unordered: migrations are written in parallel (004 may be applied before a later-merged 003);
    // each creates its own tables, so the order between them does not matter.
    const migrator = new Migrator({ db: this.#db, provider: migrationProvider(this.#adapter), allowUnorderedMigrations: true });
    const { error, results } = await this.#adapter.runMigrations(() => migrator.migrateToLatest());
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`store migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async close(): Promise<void> {
    await this.#commits.drain();
    await this.#db.destroy();
  }

  async createJob(job: NewJob, tasks: NewTaskRows | ((reads: CreateJobReads) => NewTaskRows), batches: BatchRow[] | (() => BatchRow[])): Promise<void> {
    const now = Date.now();
    // Lookups made inside the transaction cannot copy pending jobs into memory (that is a transaction of its own).
    if (typeof tasks === 'function') await rememberPendingJobs(this.#db, this.#adapter);
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('jobs')
        .values({
          job_id: job.jobId,
          kind: job.kind,
          lane: job.lane ?? 'translation',
          tenant: job.tenant ?? 'default',
          source_name: job.sourceName,
          source_path: job.sourcePath,
          source_file: job.sourceFile ?? null,
          excel_id: job.excelId,
          out_path: job.outPath,
          options: typeof job.options === 'function' ? '{}' : JSON.stringify(job.options),
          status: job.status ?? 'queued',
          total_tasks: 0,
          completed_tasks: 0,
          api_calls: 0,
          prompt_tokens: 0,
          completion_tokens: 0,
          estimated_tokens: 0,
          error_msg: null,
          created_at: now,
          updated_at: now,
          finished_at: null,
        })
        .execute();
      await this.#fillJob(trx, job, tasks, batches);
    });
  }

  async storeJobWork(job: NewJob, tasks: NewTaskRows | ((reads: CreateJobReads) => NewTaskRows), batches: BatchRow[] | (() => BatchRow[])): Promise<boolean> {
    if (typeof tasks === 'function') await rememberPendingJobs(this.#db, this.#adapter);
    return this.#db.transaction().execute(async (trx) => {
      // The status check and the change are one update: of two ingestions at once, one wins.
      const claimed = await trx
        .updateTable('jobs')
        .set({ status: 'queued', source_path: job.sourcePath, source_file: job.sourceFile ?? null, excel_id: job.excelId, updated_at: Date.now(), ...(typeof job.options === 'function' ? {} : { options: JSON.stringify(job.options) }) })
        .where('job_id', '=', job.jobId)
        .where('status', '=', 'analyzing')
        .executeTakeFirst();
      if (!Number(claimed.numUpdatedRows)) return false;
      await this.#fillJob(trx, job, tasks, batches);
      return true;
    });
  }

  /** The tasks, batches and (when known only now) options of a job row already inserted, inside its transaction. */
  async #fillJob(trx: Transaction<Database>, job: NewJob, tasks: NewTaskRows | ((reads: CreateJobReads) => NewTaskRows), batches: BatchRow[] | (() => BatchRow[])): Promise<void> {
    const rows = typeof tasks === 'function' ? tasks({ lookupMemory: (keys) => readMemory(trx, this.#adapter, keys) }) : tasks;
    const total = await this.#insertTasks(trx, rows);
    const options = typeof job.options === 'function' ? { options: JSON.stringify(job.options()) } : {};
    // A job stored `analyzing` has no tasks yet: one statement fewer on the API's submit path.
    if (total || Object.keys(options).length) await trx.updateTable('jobs').set({ total_tasks: total, ...options }).where('job_id', '=', job.jobId).execute();
    const batchRows = typeof batches === 'function' ? batches() : batches;
    for (const chunk of chunks(batchRows, this.#rowsPerInsert(BATCH_COLUMNS))) await trx.insertInto('batches').values(chunk).execute();
  }

  /**
   * Multi-row inserts of a fixed size are compiled once and re-run with new parameters: building
   * Kysely's query tree for 300k rows costs more than SQLite's work. The SQL still comes from the
   * dialect's compiler, so this stays portable.
   */
  async #insertTasks(trx: Transaction<Database>, tasks: NewTaskRows): Promise<number> {
    const size = this.#rowsPerInsert(TASK_COLUMNS);
    let compiled: { sql: string; columns: (keyof NewTaskRow)[] } | undefined;
    let total = 0;
    // A sync iterable is chunked without a promise per row.
    const source = Symbol.asyncIterator in tasks ? lazyChunksAsync(tasks, size) : lazyChunks(tasks, size);
    for await (const chunk of source) {
      total += chunk.length;
      if (chunk.length < size || !compiled) {
        const query = trx.insertInto('tasks').values(chunk).compile();
        if (chunk.length === size) compiled = { sql: query.sql, columns: Object.keys(chunk[0]) as (keyof NewTaskRow)[] };
        await trx.executeQuery(query);
        continue;
      }
      await trx.executeQuery(CompiledQuery.raw(compiled.sql, flatten(chunk, compiled.columns)));
    }
    return total;
  }

  getJob(jobId: string): Promise<JobRow | undefined> {
    return this.#db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  }

  latestJob(options: { unfinished?: boolean } = {}): Promise<JobRow | undefined> {
    let query = this.#db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy('job_id', 'desc').limit(1);
    if (options.unfinished) query = query.where('status', 'in', RESUMABLE_JOB_STATUSES);
    return query.executeTakeFirst();
  }

  listJobs(options: { active?: boolean; limit?: number } = {}): Promise<JobRow[]> {
    let query = this.#db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').limit(options.limit ?? 100);
    if (options.active) query = query.where('status', 'in', RESUMABLE_JOB_STATUSES);
    return query.execute();
  }

  async setJobStatus(jobId: string, status: JobStatus, errorMsg: string | null = null): Promise<void> {
    const now = Date.now();
    const finished = isStatusIn(FINISHED_JOB_STATUSES, status);
    await this.#db
      .updateTable('jobs')
      .set({ status, error_msg: errorMsg, updated_at: now, finished_at: finished ? now : null })
      .where('job_id', '=', jobId)
      .execute();
  }

  async setJobOptions(jobId: string, options: unknown): Promise<void> {
    await this.#db.updateTable('jobs').set({ options: JSON.stringify(options), updated_at: Date.now() }).where('job_id', '=', jobId).execute();
  }

  async claimBatch(jobId: string, workerId: string, leaseMs: number, now = Date.now()): Promise<ClaimedBatch | undefined> {
    return (await this.claimBatches(jobId, [workerId], leaseMs, now))[0];
  }

  claimBatches(jobId: string, workerIds: string[], leaseMs: number, now = Date.now()): Promise<ClaimedBatch[]> {
    return this.#db.transaction().execute((trx) => claimBatches(trx, { jobId, workerIds, leaseMs, now, skipLocked: this.#adapter.supportsSkipLocked }));
  }

  claimBatchById(jobId: string, batchId: string, workerId: string, leaseMs: number, now = Date.now()): Promise<ClaimedBatch | undefined> {
    return this.#db.transaction().execute((trx) => claimBatchById(trx, batchId, { jobId, workerIds: [workerId], leaseMs, now, skipLocked: this.#adapter.supportsSkipLocked }));
  }

  async renewLease(jobId: string, batchId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const leaseUntil = Date.now() + leaseMs;
    const result = await this.#db
      .updateTable('batches')
      .set({ lease_until: leaseUntil })
      .where('job_id', '=', jobId)
      .where('batch_id', '=', batchId)
      .where('worker_id', '=', workerId)
      .where('status', '=', 'processing')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Commits are grouped: see GroupCommit. Each caller resumes once its own results are written. */
  commitResults(jobId: string, batchId: string, results: ItemResult[], meta: CallMeta, options: { finish?: boolean } = {}): Promise<void> {
    return this.#commits.submit({ jobId, batchId, results, meta, finish: options.finish ?? false });
  }

  async recordCall(jobId: string, meta: CallMeta): Promise<void> {
    await addCall(this.#db, jobId, meta);
  }

  endpointStats(jobId: string): Promise<EndpointStats[]> {
    return endpointStats(this.#db, jobId);
  }

  recordEvent(jobId: string, event: Omit<JobEvent, 'at'> & { at?: number }): Promise<void> {
    return insertEvent(this.#db, jobId, event);
  }

  jobEvents(jobId: string, limit = 20, kinds?: readonly string[]): Promise<JobEvent[]> {
    return recentEvents(this.#db, jobId, limit, kinds);
  }

  createCheckpoint(jobId: string, checkpoint: { checkpointId: string; filePath: string; metadata: unknown }): Promise<number> {
    return insertCheckpoint(this.#db, jobId, checkpoint);
  }

  listCheckpoints(jobId: string): Promise<CheckpointRow[]> {
    return listCheckpoints(this.#db, jobId);
  }

  setCheckpointMetadata(jobId: string, checkpointId: string, metadata: unknown): Promise<void> {
    return updateCheckpointMetadata(this.#db, jobId, checkpointId, metadata);
  }

  deleteCheckpoint(jobId: string, checkpointId: string): Promise<void> {
    return deleteCheckpoint(this.#db, jobId, checkpointId);
  }

  hasUnstampedTasks(jobId: string): Promise<boolean> {
    return hasUnstamped(this.#db, jobId);
  }

  taskSnapshot(jobId: string, options?: { upToCheckpoint?: string }): AsyncIterable<TaskSnapshotRow> {
    return taskSnapshot(this.#db, jobId, options);
  }

  async failItems(jobId: string, batchId: string, failures: ItemFailure[], workerId: string): Promise<void> {
    if (failures.length) await this.#db.transaction().execute((trx) => failItems(trx, jobId, batchId, failures, workerId));
  }

  async recordRetry(jobId: string, batchId: string, dedupeKeys: string[], errorType: string, errorMsg: string): Promise<void> {
    await recordRetry(this.#db, { jobId, batchId, dedupeKeys, errorType, errorMsg }, this.#adapter.maxParameters);
  }

  async finishBatch(jobId: string, batchId: string, workerId?: string): Promise<void> {
    await this.#db.transaction().execute((trx) => finishBatch(trx, jobId, batchId, true, workerId));
  }

  async openBatchCount(jobId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('batches')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', jobId)
      .where('status', '!=', 'done')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  openBatches(jobId: string): Promise<OpenBatch[]> {
    return openBatches(this.#db, jobId);
  }

  completeJob(jobId: string): Promise<boolean> {
    return completeJob(this.#db, jobId);
  }

  saveWorker(worker: WorkerInfo): Promise<void> {
    return saveWorker(this.#db, this.#adapter, worker);
  }

  removeWorker(workerId: string): Promise<void> {
    return removeWorker(this.#db, workerId);
  }

  listWorkers(since: number, pruneBefore?: number): Promise<WorkerInfo[]> {
    return listWorkers(this.#db, since, pruneBefore);
  }

  requeueTransientFailures(jobId: string): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const failed = await trx
        .selectFrom('tasks')
        .select('batch_id')
        .distinct()
        .where('job_id', '=', jobId)
        .where('status', '=', 'failed')
        .where('error_type', 'in', TRANSIENT_ERRORS)
        .execute();
      const result = await trx
        .updateTable('tasks')
        // Out of its checkpoint too: settled again, it goes into the next one's increment.
        .set({ status: 'pending', retry_count: 0, checkpoint_id: null })
        .where('job_id', '=', jobId)
        .where('status', '=', 'failed')
        .where('error_type', 'in', TRANSIENT_ERRORS)
        .executeTakeFirst();
      const batchIds = failed.map((r) => r.batch_id).filter((id): id is string => !!id);
      for (const ids of chunks(batchIds, 500)) {
        await trx.updateTable('batches').set({ status: 'pending', worker_id: null, lease_until: null }).where('job_id', '=', jobId).where('batch_id', 'in', ids).execute();
      }
      if (Number(result.numUpdatedRows)) await appendLog(trx, { jobId, event: 'requeued', detail: `${result.numUpdatedRows} tasks that failed on transient errors` });
      return Number(result.numUpdatedRows);
    });
  }

  async leasedBatches(jobId: string): Promise<Array<{ batchId: string; workerId: string | null; leaseUntil: number | null }>> {
    const rows = await this.#db.selectFrom('batches').select(['batch_id', 'worker_id', 'lease_until']).where('job_id', '=', jobId).where('status', '=', 'processing').execute();
    return rows.map((r) => ({ batchId: r.batch_id, workerId: r.worker_id, leaseUntil: r.lease_until === null ? null : Number(r.lease_until) }));
  }

  async releaseBatch(jobId: string, batchId: string, workerId?: string): Promise<void> {
    await this.#db.transaction().execute((trx) => releaseBatch(trx, jobId, batchId, workerId));
  }

  countByStatus(jobId: string): Promise<StatusCounts> {
    return countByStatus(this.#db, jobId);
  }

  countByFlag(jobId: string): Promise<Record<string, number>> {
    return countByFlag(this.#db, jobId);
  }

  progressByGroup(jobId: string): Promise<GroupProgress[]> {
    return progressByGroup(this.#db, jobId);
  }

  async jobTotals(jobId: string): Promise<JobTotals> {
    const job = await this.getJob(jobId);
    return {
      apiCalls: Number(job?.api_calls ?? 0),
      promptTokens: Number(job?.prompt_tokens ?? 0),
      completionTokens: Number(job?.completion_tokens ?? 0),
      estimatedTokens: Number(job?.estimated_tokens ?? 0),
    };
  }

  writableResults(jobId: string, options?: WritableResultsOptions): AsyncIterable<WritableResult> {
    return writableResults(this.#db, jobId, options);
  }

  writableExtents(jobId: string, options?: Omit<WritableResultsOptions, 'withContext' | 'sheet'>): Promise<ResultExtent[]> {
    return writableExtents(this.#db, jobId, options);
  }

  lookupMemory(keys: readonly string[]): Promise<Map<string, string>> {
    return lookupMemory(this.#db, this.#adapter, keys);
  }

  rememberResults(jobId: string): Promise<void> {
    return rememberJob(this.#db, this.#adapter, jobId);
  }

  saveGlossary(version: string, rows: readonly GlossaryTermRow[]): Promise<void> {
    return saveGlossary(this.#db, this.#adapter, version, rows);
  }

  loadGlossary(version: string): Promise<GlossaryTermRow[]> {
    return loadGlossary(this.#db, version);
  }

  async log(entry: LogEntry): Promise<void> {
    await appendLog(this.#db, entry);
  }

  listTenantJobs(options: { tenant: string; active?: boolean; limit?: number }): Promise<JobRow[]> {
    return listTenantJobs(this.#db, options);
  }

  taskPage(jobId: string, query: TaskPageQuery): Promise<TaskPage> {
    return taskPage(this.#db, jobId, query);
  }

  taskStatistics(jobId: string): Promise<TaskStatistics> {
    return taskStatistics(this.#db, jobId);
  }

  activeLoad(): Promise<ActiveLoad> {
    return activeJobLoad(this.#db);
  }

  pauseGroups(jobId: string, groupIds: string[]): Promise<string[]> {
    return pauseGroups(this.#db, this.#adapter, jobId, groupIds);
  }

  resumeGroups(jobId: string, groupIds?: string[]): Promise<string[]> {
    return resumeGroups(this.#db, jobId, groupIds);
  }

  pausedGroups(jobId: string): Promise<string[]> {
    return listPausedGroups(this.#db, jobId);
  }

  runnableBatchCount(jobId: string): Promise<number> {
    return runnableBatchCount(this.#db, jobId);
  }

  callSamples(jobId: string, since?: number): Promise<CallSample[]> {
    return callSamples(this.#db, jobId, since);
  }

  recentTasks(jobId: string, limit: number): Promise<RecentTask[]> {
    return recentTasks(this.#db, jobId, limit);
  }

  saveUpload(upload: UploadRow): Promise<void> {
    return insertUpload(this.#db, upload);
  }

  getUpload(sessionId: string): Promise<UploadRow | undefined> {
    return selectUpload(this.#db, sessionId);
  }

  deleteUpload(sessionId: string): Promise<void> {
    return deleteUpload(this.#db, sessionId);
  }

  finishedJobsBefore(before: number, limit: number): Promise<string[]> {
    return finishedJobsBefore(this.#db, before, limit);
  }

  deleteJob(jobId: string): Promise<Record<string, number>> {
    return deleteJobRows(this.#db, jobId);
  }

  staleUploads(before: number, limit: number): Promise<Array<{ sessionId: string; fileId: string }>> {
    return staleUploads(this.#db, before, limit);
  }

  isFileReferenced(fileId: string): Promise<boolean> {
    return isFileReferenced(this.#db, fileId);
  }

  /** The stored files of this database, with this machine's copies in `cacheDir` (see KyselyFileStore). */
  fileStore(cacheDir: string): FileStore {
    return new KyselyFileStore(this.#db, this.#adapter, cacheDir);
  }

  #rowsPerInsert(columns: number): number {
    return Math.max(1, Math.floor(this.#adapter.maxParameters / columns) - 1);
  }
}

