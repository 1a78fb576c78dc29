import type { CreateJobReads, NewTaskRows, OpenBatch, WorkerInfo, JobRow, BatchRow, NewJob, UploadRow, ClaimedBatch, GlossaryTermRow, ItemResult, ItemFailure, CallMeta, EndpointStats, CheckpointRow, TaskSnapshotRow, JobEvent, StatusCounts, GroupProgress, WritableResult, WritableResultsOptions, ResultExtent, JobTotals, TaskPageQuery, TaskPage, TaskStatistics, CallSample, RecentTask, ActiveLoad, JobStatus } from './store-types.ts';

/*
 * The store's contract by role (issue 14: claims, job control, read views, memory, audit). JobStore
 * (job-store.ts) is all of them; each consumer asks for the role it uses.
 */

/** Opening and closing a store. */
export interface StoreLifecycle {
  /** Brings the schema up to date; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Making a job and changing how it runs: its status, options, paused groups, and failed cells given another go. The engine, `resume` and the API's control routes use it. */
export interface JobControl {
  /**
   * Job, tasks and batches in one transaction: a job exists whole or not at all. Tasks may be a
   * lazy (or async) iterable, so a million-row job never holds its rows in memory; its batches
   * (and `job.options`) may be functions, called once every task is stored, since a job planned
   * as it is stored knows its batches only at the end. Tasks given as a function get the
   * translation-memory lookup of the creating transaction: on SQLite it holds the one connection,
   * so a lookup through the store itself would wait for the job it is planning.
   */
  createJob(job: NewJob, tasks: NewTaskRows | ((reads: CreateJobReads) => NewTaskRows), batches: BatchRow[] | (() => BatchRow[])): Promise<void>;
  /**
   * Fills a job stored `analyzing` as createJob would have made it (its source, options, tasks
   * and batches) in one transaction, and makes it `queued`. False, storing nothing, when the job
   * is no longer analyzing (cancelled meanwhile, or another ingestion of it got there first).
   */
  storeJobWork(job: NewJob, tasks: NewTaskRows | ((reads: CreateJobReads) => NewTaskRows), batches: BatchRow[] | (() => BatchRow[])): Promise<boolean>;
  setJobStatus(jobId: string, status: JobStatus, errorMsg?: string | null): Promise<void>;
  /** Replaces the options stored with the job (a resume stores the output options it was given). */
  setJobOptions(jobId: string, options: unknown): Promise<void>;
  /**
   * Puts tasks that failed on transient errors (timeouts, 5xx, network, rate limits) back to
   * pending, and their batches with them, so a resume tries them again. Returns how many.
   */
  requeueTransientFailures(jobId: string): Promise<number>;
  /**
   * Pause per group (seed 000 §3.2.3): claims skip batches of a paused group in every process;
   * batches already claimed finish. Returns the job's paused groups after the change.
   */
  pauseGroups(jobId: string, groupIds: string[]): Promise<string[]>;
  /** Lets the groups (all, without `groupIds`) be claimed again; returns the groups still paused. */
  resumeGroups(jobId: string, groupIds?: string[]): Promise<string[]>;
  /**
   * Stores the job `completed` if it is queued or running and has no open batch, in one
   * conditional update: true for exactly one of several callers (the worker that finished the
   * last batch, the submitter following the job), false when already completed, paused or cancelled.
   */
  completeJob(jobId: string): Promise<boolean>;
}

/** Working on batches: claiming them under a lease, committing results and failures, handing them back. What a worker (the executor, a dispatcher) needs, and all it needs. */
export interface BatchClaims {
  /**
   * Claims the next batch by (priority, seq) whose status is pending or whose lease has expired,
   * and leases it until `now + leaseMs`. The lease lives on the batch row, the unit of claiming:
   * its open tasks count as `processing` while it is held, without a write per task. Completed
   * tasks are never handed out again.
   */
  claimBatch(jobId: string, workerId: string, leaseMs: number, now?: number): Promise<ClaimedBatch | undefined>;
  /** Claims up to one batch per worker id in one transaction (the pool asks for several at once). */
  claimBatches(jobId: string, workerIds: string[], leaseMs: number, now?: number): Promise<ClaimedBatch[]>;
  /**
   * Leases the batch `batchId` (pending, or its lease run out; its job and group not paused) in
   * one transaction, as claimBatch does; undefined when it is done, leased by a live holder, or
   * paused. A queue hands its processor one batch id: this is how that worker takes it.
   */
  claimBatchById(jobId: string, batchId: string, workerId: string, leaseMs: number, now?: number): Promise<ClaimedBatch | undefined>;
  renewLease(jobId: string, batchId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /**
   * Commits results for some items of a batch (and their duplicates) in one transaction; with
   * `finish`, also marks the batch done if nothing is left open in it (saves a transaction).
   */
  commitResults(jobId: string, batchId: string, results: ItemResult[], meta: CallMeta, options?: { finish?: boolean }): Promise<void>;
  /** Ends items that cannot succeed as `failed` with the error type and message. */
  failItems(jobId: string, batchId: string, failures: ItemFailure[], workerId: string): Promise<void>;
  /** Counts a retry for items whose call failed transiently. */
  recordRetry(jobId: string, batchId: string, dedupeKeys: string[], errorType: string, errorMsg: string): Promise<void>;
  /** Marks the batch done when no open task is left in it, else hands it back as pending. */
  finishBatch(jobId: string, batchId: string, workerId?: string): Promise<void>;
  /** Batches not yet done (pending, or held under a lease by anyone). */
  openBatchCount(jobId: string): Promise<number>;
  /** The batches not done, by (priority, seq): what a queue holds an entry for. */
  openBatches(jobId: string): Promise<OpenBatch[]>;
  /**
   * Open batches (pending or leased) outside paused groups; 0 when the job is paused or cancelled.
   * A pool with none left to claim ends when this is 0, and waits for other holders otherwise.
   */
  runnableBatchCount(jobId: string): Promise<number>;
  /** Gives a claimed batch back (shutdown, pause, dead holder) without waiting for the lease. */
  releaseBatch(jobId: string, batchId: string, workerId?: string): Promise<void>;
  /**
   * Logs a call that committed no result: answered in the wrong shape (`outcome` format, counted in
   * the job's totals) or not answered at all (429, timeout, 5xx…: logged only).
   */
  recordCall(jobId: string, meta: CallMeta): Promise<void>;
}

/** What status, the API, the dashboard, metrics and exports read: jobs, counts, pages of tasks, call statistics. Reads only. */
export interface JobReadViews {
  getJob(jobId: string): Promise<JobRow | undefined>;
  /** Newest job first; `unfinished` keeps jobs that are not completed or cancelled. */
  latestJob(options?: { unfinished?: boolean }): Promise<JobRow | undefined>;
  listJobs(options?: { active?: boolean; limit?: number }): Promise<JobRow[]>;
  /** A tenant's jobs, newest first (the API shows each token only its tenant's). */
  listTenantJobs(options: { tenant: string; active?: boolean; limit?: number }): Promise<JobRow[]>;
  countByStatus(jobId: string): Promise<StatusCounts>;
  /** Tasks per QA flag code (`placeholder_mismatch`, `too_long`…), most frequent first; a task counts once per code. */
  countByFlag(jobId: string): Promise<Record<string, number>>;
  progressByGroup(jobId: string): Promise<GroupProgress[]>;
  pausedGroups(jobId: string): Promise<string[]>;
  /** Batches currently claimed, with the worker holding each lease. */
  leasedBatches(jobId: string): Promise<Array<{ batchId: string; workerId: string | null; leaseUntil: number | null }>>;
  jobTotals(jobId: string): Promise<JobTotals>;
  /**
   * Results to write back, read from the store page by page (task order; no cell order promised):
   * completed tasks, and `needs_review` ones without a hard QA flag — with them too when
   * `writeUnreviewed` (default: the job's stored option). `upToCheckpoint`: only results stamped
   * by that checkpoint or an earlier one (its workbook, built when asked).
   */
  writableResults(jobId: string, options?: WritableResultsOptions): AsyncIterable<WritableResult>;
  /** Per sheet with results to write (as writableResults chooses them, but for hard QA flags), where they lie. */
  writableExtents(jobId: string, options?: Omit<WritableResultsOptions, 'withContext' | 'sheet'>): Promise<ResultExtent[]>;
  /** Per-endpoint calls, tokens, 429s, errors and latency percentiles. */
  endpointStats(jobId: string): Promise<EndpointStats[]>;
  /** The newest `limit` events (of those `kinds` only, when given), oldest first. */
  jobEvents(jobId: string, limit?: number, kinds?: readonly string[]): Promise<JobEvent[]>;
  taskPage(jobId: string, query: TaskPageQuery): Promise<TaskPage>;
  taskStatistics(jobId: string): Promise<TaskStatistics>;
  activeLoad(): Promise<ActiveLoad>;
  /** Call attempts since `since` (epoch ms), oldest first, for a throughput-over-time chart. */
  callSamples(jobId: string, since?: number): Promise<CallSample[]>;
  /** The `limit` most recently settled tasks, newest first. */
  recentTasks(jobId: string, limit: number): Promise<RecentTask[]>;
}

/** Translation memory and glossaries, shared by every job of the store. */
export interface TranslationMemory {
  /**
   * Translation memory: the remembered result for each of `keys` (dedupe keys) that has one.
   * Every completed result committed so far counts, in any job: results not yet remembered (see
   * rememberResults) are remembered first.
   */
  lookupMemory(keys: readonly string[]): Promise<Map<string, string>>;
  /**
   * Copies the job's completed results into translation memory, one row per text. A commit only
   * marks its job (the results are in the task table); the engine calls this when a run ends,
   * and lookupMemory does it for any job still marked, such as one whose process died.
   */
  rememberResults(jobId: string): Promise<void>;
  /** Stores a glossary under its content version; a version already stored is left as it is. */
  saveGlossary(version: string, rows: readonly GlossaryTermRow[]): Promise<void>;
  loadGlossary(version: string): Promise<GlossaryTermRow[]>;
}

/** The audit trail (seed 001 task_logs) and a job's event log. */
export interface AuditTrail {
  /** Appends to the audit trail. */
  log(entry: { jobId: string; batchId?: string | null; taskId?: string | null; event: string; detail?: string | null; workerId?: string | null }): Promise<void>;
  recordEvent(jobId: string, event: Omit<JobEvent, 'at'> & { at?: number }): Promise<void>;
}

/** Checkpoints of a job (seed 000 §6.1) and the task snapshot they keep. */
export interface CheckpointStore {
  /** Records a checkpoint and stamps the settled tasks it covers (`checkpoint_id`); returns their count. */
  createCheckpoint(jobId: string, checkpoint: { checkpointId: string; filePath: string; metadata: unknown }): Promise<number>;
  /** Whether a settled task is not in a checkpoint yet: a new checkpoint would hold something. */
  hasUnstampedTasks(jobId: string): Promise<boolean>;
  /** Newest first. */
  listCheckpoints(jobId: string): Promise<CheckpointRow[]>;
  /** Replaces a checkpoint's metadata (its increment's stored file is known only after the stamp). */
  setCheckpointMetadata(jobId: string, checkpointId: string, metadata: unknown): Promise<void>;
  deleteCheckpoint(jobId: string, checkpointId: string): Promise<void>;
  /**
   * Every task of the job in task order, streamed in pages; with `upToCheckpoint`, only those that
   * checkpoint or an earlier one stamped.
   */
  taskSnapshot(jobId: string, options?: { upToCheckpoint?: string }): AsyncIterable<TaskSnapshotRow>;
}

/** API upload sessions (migration 009), readable by every API server of the store. */
export interface UploadSessions {
  saveUpload(upload: UploadRow): Promise<void>;
  getUpload(sessionId: string): Promise<UploadRow | undefined>;
  deleteUpload(sessionId: string): Promise<void>;
}


/** Deleting finished jobs and what they left (`fanyi purge`): the store would otherwise only grow. */
export interface JobRetention {
  /** Finished (completed, failed, cancelled) jobs last changed before `before` (epoch ms), oldest first. */
  finishedJobsBefore(before: number, limit: number): Promise<string[]>;
  /** Deletes a job and all its rows (tasks, batches, logs, calls, events, checkpoints) in one transaction; rows deleted per table. */
  deleteJob(jobId: string): Promise<Record<string, number>>;
  /** Upload sessions made before `before` that never became a job. */
  staleUploads(before: number, limit: number): Promise<Array<{ sessionId: string; fileId: string }>>;
  /** Whether a job, an upload or a checkpoint still names the stored file (files are shared by content). */
  isFileReferenced(fileId: string): Promise<boolean>;
}

/** The worker registry (seed 001, migration 008): `fanyi worker` processes and their heartbeats. */
export interface WorkerRegistry {
  /** Registers or refreshes a worker (its start, each heartbeat). */
  saveWorker(worker: WorkerInfo): Promise<void>;
  /** A worker that stopped cleanly. */
  removeWorker(workerId: string): Promise<void>;
  /**
   * Workers heard from since `since` (epoch ms), by name. With `pruneBefore`, rows older than it
   * (dead workers) are deleted first.
   */
  listWorkers(since: number, pruneBefore?: number): Promise<WorkerInfo[]>;
}
