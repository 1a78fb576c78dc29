import type { Generated } from 'kysely';

/** Row types of the store's tables (see migrations/001-initial.ts). Times are epoch ms. */
export interface JobsTable {
  job_id: string;
  kind: string;
  /** The queue lane it runs on (queue/queue-lanes.ts; migration 011): `translation` unless the job named another. */
  lane: string;
  tenant: string;
  source_name: string;
  /** Where the source was on the machine that made the job; read only when `source_file` is null (jobs before migration 009). */
  source_path: string;
  /** The source among the stored files (files/file-store.ts); null for jobs made before migration 009. */
  source_file: string | null;
  excel_id: string;
  out_path: string | null;
  options: string;
  status: JobStatus;
  total_tasks: number;
  completed_tasks: number;
  api_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** The part of prompt + completion tokens fanyi estimated: replies without `usage` (migration 007). */
  estimated_tokens: number;
  error_msg: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

import type { BatchStatus, JobStatus, TaskStatus } from './statuses.ts';

export type { BatchStatus, JobStatus, TaskStatus } from './statuses.ts';

export interface TasksTable {
  job_id: string;
  task_id: string;
  batch_id: string | null;
  group_id: string;
  source_lang: string;
  source_text: string;
  source_context: string | null;
  game_context: string | null;
  target_lang: string;
  target_region: string | null;
  excel_id: string;
  sheet_name: string;
  row_idx: number;
  col_idx: number;
  cell_ref: string;
  status: TaskStatus;
  priority: number;
  worker_id: string | null;
  start_time: number | null;
  end_time: number | null;
  duration_ms: number | null;
  result: string | null;
  confidence: number | null;
  quality_score: number | null;
  token_count: number | null;
  model_name: string | null;
  /** Defaults to 0 on insert. */
  retry_count: Generated<number>;
  error_msg: string | null;
  error_type: string | null;
  /** Defaults to 0 on insert. */
  is_persisted: Generated<number>;
  checkpoint_id: string | null;
  persist_time: number | null;
  dedupe_key: string;
  qa_flags: string | null;
  lease_until: number | null;
}

export interface BatchesTable {
  job_id: string;
  batch_id: string;
  seq: number;
  group_id: string;
  lane: string;
  target_lang: string;
  priority: number;
  task_count: number;
  unique_count: number;
  chars: number;
  est_input_tokens: number;
  est_output_tokens: number;
  attempts: number;
  status: BatchStatus;
  worker_id: string | null;
  lease_until: number | null;
  updated_at: number;
}

export interface TaskLogsTable {
  log_id: Generated<number>;
  job_id: string;
  batch_id: string | null;
  task_id: string | null;
  event: string;
  detail: string | null;
  worker_id: string | null;
  at: number;
}

export interface CheckpointsTable {
  checkpoint_id: string;
  job_id: string;
  task_count: number;
  file_path: string | null;
  metadata: string | null;
  created_at: number;
}

export interface WorkersTable {
  worker_id: string;
  host: string;
  queues: string;
  concurrency: number;
  heartbeat: number;
}

/** A `fanyi worker` process (migration 008, seed 001 worker_registry). */
export interface WorkerRegistryTable {
  worker_id: string;
  name: string;
  host: string;
  pid: number;
  /** Comma-separated lane names (`translation`). */
  lanes: string;
  concurrency: number;
  /** JSON array of `{ jobId, batchId }` it works on now. */
  current_batches: string;
  started_at: number;
  heartbeat_at: number;
}

export interface TranslationMemoryTable {
  memory_key: string;
  source_text: string;
  target_lang: string;
  result: string;
  model_name: string | null;
  created_at: number;
}

export interface GlossaryTable {
  term_id: Generated<number>;
  version: string;
  source_term: string;
  target_lang: string;
  target_term: string | null;
  do_not_translate: number;
  note: string | null;
}

export interface CallsTable {
  job_id: string;
  at: number;
  endpoint: string;
  model: string;
  batch_id: string | null;
  items: number;
  /** `ok`, `format` (answered in the wrong shape), or the failure kind (`rate_limit`, `timeout`, `server`…). */
  outcome: string;
  /** The HTTP call alone, from sending the request to its answer or failure. */
  ms: number;
  /** Wait at the limiter before the request was sent (migration 006; null in rows logged before it). */
  wait_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  /** 1 when the reply had no `usage` and the tokens are fanyi's estimate (migration 007). */
  tokens_estimated: number;
  worker_id: string | null;
}

export interface JobEventsTable {
  job_id: string;
  at: number;
  kind: string;
  message: string;
  data: string | null;
}

/** A group of a job that workers skip when claiming (migration 004). */
export interface PausedGroupsTable {
  job_id: string;
  group_id: string;
  paused_at: number;
}

/** A job whose committed results are not yet in translation memory (migration 005). */
export interface MemoryPendingTable {
  job_id: string;
  marked_at: number;
}

/** A stored file, complete: written after all its chunks (migration 009). */
export interface StoredFilesTable {
  file_id: string;
  sha256: string;
  size: number;
  chunk_count: number;
  created_at: number;
}

export interface StoredFileChunksTable {
  file_id: string;
  seq: number;
  data: Uint8Array;
}

/** An API upload session: the bytes are a stored file, until translate makes the job of the same id. */
export interface UploadsTable {
  session_id: string;
  tenant: string;
  file_name: string;
  file_id: string;
  created_at: number;
}

export interface Database {
  jobs: JobsTable;
  tasks: TasksTable;
  batches: BatchesTable;
  task_logs: TaskLogsTable;
  checkpoints: CheckpointsTable;
  workers: WorkersTable;
  worker_registry: WorkerRegistryTable;
  translation_memory: TranslationMemoryTable;
  glossary: GlossaryTable;
  calls: CallsTable;
  job_events: JobEventsTable;
  paused_groups: PausedGroupsTable;
  memory_pending: MemoryPendingTable;
  stored_files: StoredFilesTable;
  stored_file_chunks: StoredFileChunksTable;
  uploads: UploadsTable;
}
