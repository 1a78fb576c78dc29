/** The shapes of a job the engine creates, stores and reports (engine.ts re-exports them). */
import type { RunSettings } from './config/run-settings.ts';
import type { MapSpec } from './map/map-spec.ts';
import type { GroupSummary } from './map/map-groups.ts';
import type { OutputOptions, WrittenOutput } from './review/job-output.ts';
import type { JobRow, StatusCounts } from './store/job-store.ts';
import type { AnalyseInput } from './tasks/analyse-file.ts';
import type { FieldSummary } from './tasks/prepare-job.ts';
import type { DocumentFormat } from './workbook/sheet-model.ts';

/** A job's priority on its queue lane (seed 001 `queue:high` / `queue:normal`); stored with the job. */
export const JOB_PRIORITIES = ['high', 'normal'] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/** A job to create: the file and its plan (AnalyseInput), and how the job is stored and written. */
export interface TranslateInput extends AnalyseInput {
  outPath?: string;
  tenant?: string;
  /** The id to store the job under (the API's upload session id); default: a new one. */
  jobId?: string;
  /** Name shown for the source; default: the file's base name (an upload's stored name says nothing). */
  sourceName?: string;
  /** False (`--no-memory`): translate everything, reusing nothing from earlier jobs. Default config `translation.memory`. */
  memory?: boolean;
  /** Write results with hard QA flags too (`--write-unreviewed`); stored with the job, so export honours it. */
  writeUnreviewed?: boolean;
  /** Fill flagged cells in the output (`--highlight`); stored with the job. */
  highlight?: boolean;
  /** The review list in this file (xlsx/csv) instead of a Review sheet (`--review`); stored with the job. */
  reviewPath?: string;
  /** A CSV output's encoding (`--encoding`); stored with the job. Default `keep`. */
  encoding?: OutputOptions['encoding'];
  /** `--priority high`: with a queue, its batches go before normal jobs' on the lane. Default normal. */
  priority?: JobPriority;
  /**
   * The queue lane the job runs on (`--lane`; queue/queue-lanes.ts): its batches go to that
   * lane's queue and its calls are served at that lane's priority by the rate limiter
   * (config `limits.lanes`). Default `translation`.
   */
  lane?: string;
}

/** How results are written back (export, or the end of a run); each defaults to the job's stored option. */
export type ExportOptions = OutputOptions;

/** Stored with the job: what resume and export need. Never holds a key. */
export interface JobOptions {
  format: DocumentFormat;
  to?: string[];
  from?: string;
  overwrite: boolean;
  /** `openai` or `pseudo` (jobs before `run` existed stored `pool` here). */
  provider: string;
  model: string;
  /** How the job is run: provider, endpoints, limits, concurrency, prompts; never a key. Absent on jobs stored before it existed. */
  run?: RunSettings;
  newHeaders: Array<{ sheetName: string; row: number; col: number; text: string }>;
  /** Tasks per text field of game-data sheets, as planned (`fanyi status --json` shows them). */
  fields?: FieldSummary[];
  keptHuman: number;
  uniqueTexts: number;
  batches: number;
  gameContext?: string;
  /** The glossary's content version (stored in the `glossary` table): resume uses the same terms. */
  glossaryVersion?: string;
  /** Cells answered from translation memory at creation (stored completed, never sent). */
  memoryCells?: number;
  /** `--write-unreviewed`: results with hard QA flags are written too (see writableResults). */
  writeUnreviewed?: boolean;
  /** `--highlight`: flagged cells get a fill in the output (review/job-output.ts). */
  highlight?: boolean;
  /** `--review PATH`: the review list goes to this file rather than a Review sheet. */
  reviewPath?: string;
  /** `--encoding utf-8-bom`: a CSV output is written as UTF-8 with a BOM rather than in its source's encoding. */
  encoding?: OutputOptions['encoding'];
  /** `--priority`: how its batches rank on a queue lane (absent: normal). */
  priority?: JobPriority;
  /**
   * A map job's spec (`kind` 'map'): prompt, row schema, columns sent, id column, result columns
   * and where they go. Everything a worker, a resume or an export on another machine needs.
   */
  map?: MapSpec;
  /** A group job's groups as planned (`--group-by`): groups, rows, groups sampled and rows sent (`fanyi status` shows them). */
  mapGroups?: GroupSummary;
}

/** A paused job's `error_msg` when a person paused it (not a shutdown, not paused groups). */
export const PAUSED_BY_REQUEST = 'paused by request';

export interface JobOutcome {
  job: JobRow;
  counts: StatusCounts;
  outPath: string | null;
  /** The output workbook's sheet listing the needs_review and failed cells, when there are any. */
  reviewSheet?: string | null;
  /** The separate review file (`--review PATH`, or beside a CSV output), when there are any. */
  reviewFile?: string | null;
  /** A CSV output holding text its source's encoding cannot (review/job-output.ts), when there is any. */
  encodingLoss?: WrittenOutput['encodingLoss'];
  durationMs: number;
}

