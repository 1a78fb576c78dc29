/** The shapes the store's contract (job-store.ts) takes and returns. */
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

export type NewTaskRows = Iterable<NewTaskRow> | AsyncIterable<NewTaskRow>;

/** What a job's task rows may read while the job is being created (see JobControl.createJob). */
export interface CreateJobReads {
  lookupMemory(keys: readonly string[]): Promise<Map<string, string>>;
}

export interface NewJob {
  jobId: string;
  kind: string;
  /** The queue lane it runs on (queue/queue-lanes.ts), checked by the caller. Default `translation`. */
  lane?: string;
  tenant?: string;
  sourceName: string;
  /** Where the source is on this machine; kept for jobs whose `sourceFile` other machines cannot read. */
  sourcePath: string;
  /** The source among the stored files (files/file-store.ts), readable from every machine of the store. */
  sourceFile?: string;
  excelId: string;
  outPath: string | null;
  /** A function is called once the tasks are stored: a streamed job knows its counts only then. */
  options: unknown;
  /**
   * `analyzing`: stored before its file is analysed (the API with a queue), with no tasks yet;
   * the ingestion lane adds them (JobControl.storeJobWork). Default `queued`.
   */
  status?: 'queued' | 'analyzing';
}

/** An API upload session (migration 009): the bytes are a stored file until translate makes a job of the same id. */
export interface UploadRow {
  sessionId: string;
  tenant: string;
  /** The client's file name, cleaned for display. */
  fileName: string;
  fileId: string;
  createdAt: number;
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
  /** The task's stored `source_context`, with `withContext` only (a map job's row id is in it). */
  sourceContext?: string | null;
}

export interface WritableResultsOptions {
  /** Default: the job's stored option (`--write-unreviewed`). */
  writeUnreviewed?: boolean;
  /** Only results that checkpoint or an earlier one stamped. */
  upToCheckpoint?: string;
  /** Also read each task's `source_context`. Default false: a translation's export never needs it. */
  withContext?: boolean;
  /**
   * Only this sheet's results, in row order (a row's cells together, columns in no set order):
   * what a streaming write-back merges with the sheet's rows. Default: every sheet, in task order.
   */
  sheet?: string;
}

/** Where a sheet's results to write lie (0-based rows and columns, inclusive): a patched sheet's `<dimension>`. */
export interface ResultExtent {
  sheetName: string;
  top: number;
  bottom: number;
  left: number;
  right: number;
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
