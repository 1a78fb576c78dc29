import type { Selectable } from 'kysely';
import type { GlossaryHit } from '../llm/provider.ts';
import type { BatchesTable, JobStatus, JobsTable, TaskStatus, TasksTable } from './schema.ts';

export type { JobStatus, TaskStatus } from './schema.ts';
export type JobRow = JobsTable;
export type TaskRow = Selectable<TasksTable>;

/**
 * What defines a new task; every other column starts at its default (null, 0). Inserting only
 * these keeps a 300k-task insert from binding millions of nulls.
 */
export type NewTaskRow = Pick<
  TasksTable,
  | 'job_id' | 'task_id' | 'batch_id' | 'group_id' | 'source_lang' | 'source_text' | 'source_context' | 'game_context'
  | 'target_lang' | 'target_region' | 'excel_id' | 'sheet_name' | 'row_idx' | 'col_idx' | 'cell_ref' | 'status' | 'priority' | 'dedupe_key'
> &
  /** Set (on every row of the job, null where unused) only when translation memory answered some tasks. */
  Partial<Pick<TasksTable, 'result' | 'model_name'>>;
export type BatchRow = BatchesTable;

export interface NewJob {
  jobId: string;
  kind: string;
  tenant?: string;
  sourceName: string;
  sourcePath: string;
  excelId: string;
  outPath: string | null;
  options: unknown;
  /**
   * `analyzing`: stored before its file is analysed (the API with a queue), with no tasks yet;
   * the ingestion lane adds them ({@link JobStore.storeJobWork}). Default `queued`.
   */
  status?: 'queued' | 'analyzing';
}

/** What the analysis of a job stored `analyzing` adds to it (JobStore.storeJobWork). */
export interface JobWork {
  tasks: Iterable<NewTaskRow>;
  batches: BatchRow[];
  options: unknown;
  /** The kept copy of the source and its hash, now known. */
  sourcePath: string;
  excelId: string;
}

/** One unique text of a claimed batch: the tasks sharing its dedupe key get the same result. */
export interface BatchItem {
  dedupeKey: string;
  sourceText: string;
  sourceContext: string | null;
  retryCount: number;
}

export interface ClaimedBatch {
  jobId: string;
  batchId: string;
  groupId: string;
  lane: string;
  sourceLang: string;
  targetLang: string;
  attempts: number;
  items: BatchItem[];
  /**
   * The glossary terms its texts use in its target language. Not stored: the runner sets it once
   * per claim (from the job's glossary) for the prompt and the QA gate; each call sends the terms
   * its own items use.
   */
  glossary?: GlossaryHit[];
}

/** One `glossary` row: a term in one language (`*` for a do-not-translate term without translations). */
export interface GlossaryTermRow {
  source_term: string;
  target_lang: string;
  target_term: string | null;
  do_not_translate: number;
  note: string | null;
}

export interface ItemResult {
  dedupeKey: string;
  result: string;
  tokenCount: number;
  qualityScore?: number | null;
  confidence?: number | null;
  qaFlags?: string[] | null;
  status?: Extract<TaskStatus, 'completed' | 'needs_review'>;
}

export interface ItemFailure {
  dedupeKey: string;
  errorType: string;
  errorMsg: string;
}

export interface CallMeta {
  workerId: string;
  model: string;
  /** When the request was sent, after any wait at the limiter: `endedAt − startedAt` is the call alone. */
  startedAt: number;
  endedAt: number;
  /** How long the call waited for its endpoint's limiter (a permit, a 429 pause) before `startedAt`. */
  waitMs?: number;
  promptTokens: number;
  completionTokens: number;
  /** The reply had no `usage`: the tokens are fanyi's estimate. */
  tokensEstimated?: boolean;
  /** Which configured endpoint was called. Default `default`. */
  endpoint?: string;
  batchId?: string;
  /** Unique texts sent. */
  items?: number;
  /** `ok`, `format`, or the failure kind; anything but ok/format is an unanswered attempt. */
  outcome?: string;
}

/** One endpoint's share of a job, from its call log. */
export interface EndpointStats {
  endpoint: string;
  model: string;
  /** Every attempt, answered or not. */
  calls: number;
  answered: number;
  tokens: number;
  rateLimited: number;
  /** Timeouts, 5xx, network and other failures (not 429s). */
  errors: number;
  /** Latency of answered calls, the HTTP call alone (seed 000 §8.1 duration), in ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  /**
   * Wait at the limiter before each attempt was sent, every attempt counted; null when none was
   * logged with it (calls logged before migration 006 have their wait inside `ms`).
   */
  waitP50Ms: number | null;
  waitP95Ms: number | null;
}

/** A snapshot of a job: the partial workbook at `filePath`, the task table beside it. */
export interface CheckpointRow {
  checkpointId: string;
  jobId: string;
  /** Tasks settled (completed, needs review, failed) when it was taken. */
  taskCount: number;
  filePath: string | null;
  metadata: unknown;
  createdAt: number;
}

export type TaskSnapshotRow = Pick<
  TaskRow,
  | 'task_id' | 'batch_id' | 'group_id' | 'sheet_name' | 'cell_ref' | 'source_text' | 'target_lang' | 'status' | 'result'
  | 'error_type' | 'error_msg' | 'retry_count' | 'quality_score' | 'qa_flags' | 'model_name' | 'checkpoint_id'
>;

/** Something the engine decided while a job ran (an adaptive adjustment, a failover, a checkpoint). */
export interface JobEvent {
  at: number;
  kind: string;
  message: string;
  data?: unknown;
}

export type StatusCounts = Record<TaskStatus, number> & { total: number };

export interface GroupProgress extends StatusCounts {
  groupId: string;
  priority: number;
}

export interface WritableResult {
  sheetName: string;
  rowIdx: number;
  colIdx: number;
  targetLang: string;
  result: string;
}

export interface JobTotals {
  apiCalls: number;
  promptTokens: number;
  completionTokens: number;
  /** How many of the prompt + completion tokens are fanyi's estimate (replies without `usage`). */
  estimatedTokens: number;
}

/** A page request over a job's tasks (API `tasks`, `results`, `monitor/dataframe`). */
export interface TaskPageQuery {
  /** Keep these statuses; `processing` means an open task of a leased batch. */
  statuses?: TaskStatus[];
  groupId?: string;
  targetLang?: string;
  offset: number;
  limit: number;
}

/** A task row as the API shows it: status derived (processing), internal columns left out. */
export type TaskView = Omit<TaskRow, 'lease_until' | 'dedupe_key'>;

export interface TaskPage {
  total: number;
  rows: TaskView[];
}

/** What the task table tells about a job's performance (seed 000 §8.1); null where nothing ran yet. */
export interface TaskStatistics {
  avgDurationMs: number | null;
  p95DurationMs: number | null;
  avgConfidence: number | null;
  avgQualityScore: number | null;
  firstStartedAt: number | null;
  lastEndedAt: number | null;
  retriedTasks: number;
  timeouts: number;
  failedTasks: number;
}

/** One call attempt as the dashboard's throughput chart reads it (from the `calls` log). */
export interface CallSample {
  /** Sent, epoch ms (after the wait at the limiter). */
  at: number;
  /** The call alone. */
  ms: number;
  /** Unique texts sent. */
  items: number;
  outcome: string;
  endpoint: string;
}

/** A settled task as "recent tasks" shows it. */
export type RecentTask = Pick<
  TaskRow,
  'task_id' | 'group_id' | 'target_lang' | 'cell_ref' | 'sheet_name' | 'status' | 'confidence' | 'quality_score' | 'error_type'
> & { end_time: number; retry_count: number; /** The text field of a game-data sheet (from source_context); null in string tables. */ field: string | null };

/** Load over every unfinished job, for the metrics gauges. */
export interface ActiveLoad {
  tasks: Record<string, number>;
  openBatches: number;
  leasedBatches: number;
}

/** A batch not yet done, as a queue enqueues it. */
export interface OpenBatch {
  batchId: string;
  /** The batch's length class (short/standard/long), not a queue lane. */
  lane: string;
  /** Its group's priority: lower first. */
  priority: number;
  /** When leased, until when; null while pending. */
  leaseUntil: number | null;
}

/** A `fanyi worker` process as the registry keeps it (migration 008). */
export interface WorkerInfo {
  workerId: string;
  name: string;
  host: string;
  pid: number;
  /** Queue lanes it takes batches from (`translation`). */
  lanes: string[];
  concurrency: number;
  currentBatches: Array<{ jobId: string; batchId: string }>;
  startedAt: number;
  heartbeatAt: number;
}

/**
 * The task table is the one source of truth (DESIGN principle 1). Every back end (SQLite, MySQL,
 * PostgreSQL) implements this contract; callers never see a driver type or dialect SQL.
 */
export interface JobStore {
  /** Brings the schema up to date; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /**
   * Job, tasks and batches in one transaction: a job exists whole or not at all. Tasks may be a
   * lazy iterable, so a 300k-task job never holds all its rows in memory at once.
   */
  createJob(job: NewJob, tasks: Iterable<NewTaskRow>, batches: BatchRow[]): Promise<void>;
  /**
   * Adds the tasks and batches of a job stored `analyzing`, with its full options, in one
   * transaction, and makes it `queued`. False, storing nothing, when the job is no longer
   * analyzing (cancelled meanwhile, or another ingestion of it got there first).
   */
  storeJobWork(jobId: string, work: JobWork): Promise<boolean>;
  getJob(jobId: string): Promise<JobRow | undefined>;
  /** Newest job first; `unfinished` keeps jobs that are not completed or cancelled. */
  latestJob(options?: { unfinished?: boolean }): Promise<JobRow | undefined>;
  listJobs(options?: { active?: boolean; limit?: number }): Promise<JobRow[]>;
  setJobStatus(jobId: string, status: JobStatus, errorMsg?: string | null): Promise<void>;
  /** Replaces the options stored with the job (a resume stores the output options it was given). */
  setJobOptions(jobId: string, options: unknown): Promise<void>;

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
   * Stores the job `completed` if it is queued or running and has no open batch, in one
   * conditional update: true for exactly one of several callers (the worker that finished the
   * last batch, the submitter following the job), false when already completed, paused or cancelled.
   */
  completeJob(jobId: string): Promise<boolean>;

  /** Registers or refreshes a worker (its start, each heartbeat). */
  saveWorker(worker: WorkerInfo): Promise<void>;
  /** A worker that stopped cleanly. */
  removeWorker(workerId: string): Promise<void>;
  /**
   * Workers heard from since `since` (epoch ms), by name. With `pruneBefore`, rows older than it
   * (dead workers) are deleted first.
   */
  listWorkers(since: number, pruneBefore?: number): Promise<WorkerInfo[]>;
  /**
   * Puts tasks that failed on transient errors (timeouts, 5xx, network, rate limits) back to
   * pending, and their batches with them, so a resume tries them again. Returns how many.
   */
  requeueTransientFailures(jobId: string): Promise<number>;
  /** Batches currently claimed, with the worker holding each lease. */
  leasedBatches(jobId: string): Promise<Array<{ batchId: string; workerId: string | null }>>;
  /** Gives a claimed batch back (shutdown, pause, dead holder) without waiting for the lease. */
  releaseBatch(jobId: string, batchId: string, workerId?: string): Promise<void>;
  /**
   * Logs a call that committed no result: answered in the wrong shape (`outcome` format, counted in
   * the job's totals) or not answered at all (429, timeout, 5xx…: logged only).
   */
  recordCall(jobId: string, meta: CallMeta): Promise<void>;
  /** Per-endpoint calls, tokens, 429s, errors and latency percentiles. */
  endpointStats(jobId: string): Promise<EndpointStats[]>;
  recordEvent(jobId: string, event: Omit<JobEvent, 'at'> & { at?: number }): Promise<void>;
  /** The newest `limit` events, oldest first. */
  jobEvents(jobId: string, limit?: number): Promise<JobEvent[]>;

  /** Records a checkpoint and stamps the settled tasks it covers (`checkpoint_id`); returns their count. */
  createCheckpoint(jobId: string, checkpoint: { checkpointId: string; filePath: string; metadata: unknown }): Promise<number>;
  /** Newest first. */
  listCheckpoints(jobId: string): Promise<CheckpointRow[]>;
  deleteCheckpoint(jobId: string, checkpointId: string): Promise<void>;
  /** Every task of the job, in task order, streamed in pages. */
  taskSnapshot(jobId: string): AsyncIterable<TaskSnapshotRow>;

  countByStatus(jobId: string): Promise<StatusCounts>;
  /** Tasks per QA flag code (`placeholder_mismatch`, `too_long`…), most frequent first; a task counts once per code. */
  countByFlag(jobId: string): Promise<Record<string, number>>;
  progressByGroup(jobId: string): Promise<GroupProgress[]>;
  jobTotals(jobId: string): Promise<JobTotals>;
  /**
   * Results to write back, in sheet/row order: completed tasks, and `needs_review` ones without a
   * hard QA flag — with them too when `writeUnreviewed` (default: the job's stored option).
   */
  writableResults(jobId: string, options?: { writeUnreviewed?: boolean }): Promise<WritableResult[]>;
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
  /** Appends to the audit trail. */
  log(entry: { jobId: string; batchId?: string | null; taskId?: string | null; event: string; detail?: string | null; workerId?: string | null }): Promise<void>;

  /** A tenant's jobs, newest first (the API shows each token only its tenant's). */
  listTenantJobs(options: { tenant: string; active?: boolean; limit?: number }): Promise<JobRow[]>;
  taskPage(jobId: string, query: TaskPageQuery): Promise<TaskPage>;
  taskStatistics(jobId: string): Promise<TaskStatistics>;
  activeLoad(): Promise<ActiveLoad>;

  /**
   * Pause per group (seed 000 §3.2.3): claims skip batches of a paused group in every process;
   * batches already claimed finish. Returns the job's paused groups after the change.
   */
  pauseGroups(jobId: string, groupIds: string[]): Promise<string[]>;
  /** Lets the groups (all, without `groupIds`) be claimed again; returns the groups still paused. */
  resumeGroups(jobId: string, groupIds?: string[]): Promise<string[]>;
  pausedGroups(jobId: string): Promise<string[]>;
  /**
   * Open batches (pending or leased) outside paused groups; 0 when the job is paused or cancelled.
   * A pool with none left to claim ends when this is 0, and waits for other holders otherwise.
   */
  runnableBatchCount(jobId: string): Promise<number>;
  /** Call attempts since `since` (epoch ms), oldest first, for a throughput-over-time chart. */
  callSamples(jobId: string, since?: number): Promise<CallSample[]>;
  /** The `limit` most recently settled tasks, newest first. */
  recentTasks(jobId: string, limit: number): Promise<RecentTask[]>;
}
