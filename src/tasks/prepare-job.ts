import type { FanyiConfig } from '../config/config-schema.ts';
import type { BatchRow, NewTaskRow } from '../store/job-store.ts';
import { FanyiError } from '../errors.ts';
import { DEFAULT_BURST_MS } from '../limits/endpoint-limiter.ts';
import { analyseSheets, isConfigSheet, type SheetLayout } from '../workbook/language-columns.ts';
import type { SpreadsheetDocument } from '../workbook/sheet-model.ts';
import { PROMPT_OVERHEAD_TOKENS } from './batching/estimate-tokens.ts';
import { packBatches, type PackedBatch } from './batching/pack-batches.ts';
import type { Glossary } from './glossary/glossary.ts';
import { planTargets, type SheetPlan } from './plan-targets.ts';
import { splitTasks, type SplitResult, type TaskDraft } from './split-tasks.ts';

export interface PrepareOptions {
  to?: string[];
  from?: string;
  /** `--column-name`: header template for new columns of named fields (`{field}_{code}`). */
  columnName?: string;
  overwrite: boolean;
  /** Job-level context (`translation.game_context`, `--context`): sent with every call, part of every dedupe key. */
  gameContext?: string;
  /** `--glossary`: its version is part of every dedupe key, so memory made under another glossary is not reused. */
  glossary?: Glossary;
}

/** Everything known about a job before any call: the plan, the tasks and their batches. */
export interface PreparedJob {
  plans: SheetPlan[];
  skippedSheets: string[];
  split: SplitResult;
  batches: PackedBatch[];
  /** Unique texts to send (after translation memory, when it was applied). */
  uniqueTexts: number;
  gameContext: string;
  glossary?: Glossary;
  /** Cells and unique texts the translation memory answered (see applyMemory); 0 before it is applied. */
  memoryCells: number;
  memoryTexts: number;
}

/** Reserve for the system prompt and JSON framing inside the model's input window. */
const PROMPT_RESERVE_TOKENS = 1_500;
/** A batch's texts (in and out) take at most this share of the TPM limit's burst, less the prompt… */
const BURST_SHARE_PER_BATCH = 0.8;
/** …but never less than this: below it a batch is a handful of cells and the prompt dominates. */
const MIN_CALL_TOKENS = 200;

/** Analyse → plan → split → dedupe → pack: the pure, one-directional front half of the pipeline. */
export function prepareJob(document: SpreadsheetDocument, config: FanyiConfig, options: PrepareOptions): PreparedJob {
  const layouts: SheetLayout[] = [];
  const skippedSheets: string[] = [];
  analyseSheets(document.sheets).forEach((layout, i) => {
    if (layout) layouts.push(layout);
    else skippedSheets.push(document.sheets[i].name);
  });
  if (!layouts.length && document.sheets.some(isConfigSheet)) {
    throw new FanyiError('NO_SOURCE_COLUMN', 'this looks like a game-config workbook (##var/##type header rows), not a string table; export its text fields to a string table to translate them');
  }
  const plans = planTargets(layouts, document.sheets, { to: options.to, from: options.from, columnName: options.columnName });
  const split = splitTasks(document.sheets, plans, {
    overwrite: options.overwrite,
    maxCellChars: config.data_processing.cell_processing.max_cell_chars,
    groupPriority: config.translation.group_priority,
    referenceLanguages: config.translation.reference_languages,
    scope: `${options.gameContext ?? ''}\u0001${options.glossary?.version ?? ''}`,
  });
  const batches = packBatches(split.tasks, packOptions(config));
  const uniqueTexts = batches.reduce((sum, b) => sum + b.uniqueCount, 0);
  const skipped = skippedSheets.concat(layouts.filter((l) => plans.some((p) => p.layout === l) && !plans.some((p) => p.layout === l && p.targets.length)).map((l) => l.sheetName));
  return { plans, skippedSheets: skipped, split, batches, uniqueTexts, gameContext: options.gameContext ?? '', glossary: options.glossary, memoryCells: 0, memoryTexts: 0 };
}

/** One text field of a game-data sheet in a job: estimate, the stored job (status --json) show them. */
export interface FieldSummary {
  sheet: string;
  field: string;
  /** Header of the field's source column. */
  source: string;
  tasks: number;
}

/** Cells per text field of game-data sheets (`Items.detail`); none for string tables. */
export function fieldSummary(prepared: PreparedJob): FieldSummary[] {
  const tasks = new Map<string, number>();
  for (const task of prepared.split.tasks) if (task.field) tasks.set(`${task.sheetName}\u0000${task.field}`, (tasks.get(`${task.sheetName}\u0000${task.field}`) ?? 0) + 1);
  return prepared.plans
    .filter((p) => p.field?.name)
    .map((p) => ({ sheet: p.layout.sheetName, field: p.field!.name, source: p.source.header, tasks: tasks.get(`${p.layout.sheetName}\u0000${p.field!.name}`) ?? 0 }));
}

/** `22 text fields: Items.name (2), Items.detail (2), …` for estimate and status; empty for string tables. */
export function describeFields(fields: readonly FieldSummary[]): string {
  return fields.length ? `${fields.length} text fields: ${fields.map((f) => `${f.sheet}.${f.field} (${f.tasks})`).join(', ')}` : '';
}

export function packOptions(config: FanyiConfig) {
  const { model_limits: limits, batch_control: batch, performance, endpoints } = config.llm;
  const inputBudget = limits.input_tokens - PROMPT_RESERVE_TOKENS;
  // Providers enforce TPM over about a second (OpenAI: "enforced over shorter periods"). A call
  // bigger than that burst only gets in when the provider's bucket is full to the token, so the
  // batch is sized to go out whole inside it, with room for the prompt and estimate error; the
  // executor still cuts calls to what it learns of the real burst (EndpointPool.callTokenLimit).
  const tpm = Math.max(...(endpoints.length ? endpoints.map((e) => e.tpm ?? performance.tpm_throttle) : [performance.tpm_throttle]));
  return {
    maxInputTokens: Math.max(50, Math.min(batch.max_batch_tokens ?? inputBudget, inputBudget)),
    // Headroom: the estimate is rough and a truncated reply costs a whole retry.
    maxOutputTokens: Math.floor(limits.output_tokens * 0.8),
    maxChars: batch.max_chars_per_batch,
    maxBatchSize: batch.max_batch_size,
    maxCallTokens: Math.max(MIN_CALL_TOKENS, Math.floor(((tpm * DEFAULT_BURST_MS) / 60_000) * BURST_SHARE_PER_BATCH) - PROMPT_OVERHEAD_TOKENS),
  };
}

/** Store rows for the drafts, made one at a time as the store consumes them, a batch's side by side (see byBatch). */
export function* toTaskRows(jobId: string, excelId: string, tasks: TaskDraft[], gameContext: string): Generator<NewTaskRow> {
  const withMemory = tasks.some((t) => t.memory);
  for (const t of byBatch(tasks)) yield {
    job_id: jobId,
    task_id: t.taskId,
    batch_id: t.batchId ?? null,
    group_id: t.groupId,
    source_lang: t.sourceLang,
    source_text: t.sourceText,
    source_context: t.sourceContext,
    game_context: gameContext || null,
    target_lang: t.targetLang,
    target_region: t.targetRegion,
    excel_id: excelId,
    sheet_name: t.sheetName,
    row_idx: t.rowIdx,
    col_idx: t.colIdx,
    cell_ref: t.cellRef,
    status: t.memory ? 'completed' : 'pending',
    priority: t.priority,
    dedupe_key: t.dedupeKey,
    // Only jobs with memory hits bind these two: every row of an insert must have the same columns.
    ...(withMemory ? { result: t.memory?.result ?? null, model_name: t.memory?.modelName ?? null } : {}),
  };
}

/**
 * The drafts grouped by batch, in the order batches first occur, each batch's in split order.
 * Rows are stored in this order, so a batch's tasks (the duplicates of a common text from all
 * over the sheet included) share table pages: committing a batch then rewrites a few pages
 * rather than touching most of its language's. Task ids keep the split order.
 */
function* byBatch(tasks: TaskDraft[]): Generator<TaskDraft> {
  const groups = new Map<string | undefined, TaskDraft[]>();
  for (const task of tasks) {
    const group = groups.get(task.batchId);
    if (group) group.push(task);
    else groups.set(task.batchId, [task]);
  }
  for (const group of groups.values()) yield* group;
}

export function toBatchRows(jobId: string, batches: PackedBatch[]): BatchRow[] {
  const now = Date.now();
  return batches.map((b) => ({
    job_id: jobId,
    batch_id: b.batchId,
    seq: b.seq,
    group_id: b.groupId,
    lane: b.lane,
    target_lang: b.targetLang,
    priority: b.priority,
    task_count: b.taskCount,
    unique_count: b.uniqueCount,
    chars: b.chars,
    est_input_tokens: b.estInputTokens,
    est_output_tokens: b.estOutputTokens,
    attempts: 0,
    status: 'pending',
    worker_id: null,
    lease_until: null,
    updated_at: now,
  }));
}
