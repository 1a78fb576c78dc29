import type { FanyiConfig } from '../config/config-schema.ts';
import type { BatchRow, NewTaskRow } from '../store/job-store.ts';
import { FanyiError } from '../errors.ts';
import { DEFAULT_BURST_MS } from '../limits/endpoint-limiter.ts';
import { blockRowsFor } from '../workbook/memory-budget.ts';
import { analyseSheets, isConfigSheet, type SheetLayout } from '../workbook/language-columns.ts';
import type { SheetTable, SpreadsheetDocument, WorkbookScan } from '../workbook/sheet-model.ts';
import { PROMPT_OVERHEAD_TOKENS } from './batching/estimate-tokens.ts';
import type { PackedBatch } from './batching/pack-batches.ts';
import { byBatch, TaskPlanner, type TaskSink, type TaskTally } from './plan-tasks.ts';
import type { Glossary } from './glossary/glossary.ts';
import { planTargets, type SheetPlan } from './plan-targets.ts';
import { emptySplit, type SplitResult, type TaskDraft } from './split-tasks.ts';
import { heldBlocks, streamedBlocks, TaskSplitter } from './task-splitter.ts';

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

/** Everything known about a job before any call: the plan, the counts of its tasks and their batches (the tasks went to a sink). */
export interface PreparedJob {
  plans: SheetPlan[];
  skippedSheets: string[];
  split: SplitResult;
  tally: TaskTally;
  batches: PackedBatch[];
  /** Unique texts to send (after translation memory, when it was applied). */
  uniqueTexts: number;
  gameContext: string;
  glossary?: Glossary;
  /** Cells and unique texts the translation memory answered (see TaskSink.lookupMemory); 0 without memory. */
  memoryCells: number;
  memoryTexts: number;
}

/** A prepared job with its tasks in hand: prepareJob's answer for a document small enough to look at whole (tests, tools). */
export interface CollectedJob extends PreparedJob {
  split: SplitResult & { tasks: TaskDraft[] };
}

/** Reserve for the system prompt and JSON framing inside the model's input window. */
const PROMPT_RESERVE_TOKENS = 1_500;
/** A batch's texts (in and out) take at most this share of the TPM limit's burst, less the prompt… */
const BURST_SHARE_PER_BATCH = 0.8;
/** …but never less than this: below it a batch is a handful of cells and the prompt dominates. */
const MIN_CALL_TOKENS = 200;

/**
 * Analyse → plan → split → dedupe → pack, the one-directional front half of the pipeline, with
 * every task in hand at the end. The same path as planJob (its sink collects, its rows come from
 * memory); for tools and tests, not for a workbook of any size.
 */
export function prepareJob(document: Pick<SpreadsheetDocument, 'sheets'>, config: FanyiConfig, options: PrepareOptions): CollectedJob {
  const tasks: TaskDraft[] = [];
  const job = analyseJob(document.sheets, config, options, { write: (block) => void tasks.push(...block) });
  for (const block of heldBlocks(document.sheets, job.splitter)) job.planner.addSync(block);
  const prepared = job.finish();
  return { ...prepared, split: { ...prepared.split, tasks } };
}

/**
 * The same, streaming: the workbook's rows come from the file again, tasks are made a block of
 * rows at a time and handed to `sink` (memory looked up and batches assigned per block), so what
 * is held is the scanned sheets and one entry per unique text, whatever the number of tasks.
 */
export async function planJob(scan: WorkbookScan, config: FanyiConfig, options: PrepareOptions, sink: TaskSink = {}): Promise<PreparedJob> {
  const run = startJob(scan, config, options, sink);
  for await (const block of run.blocks) await run.planner.add(block);
  return run.finish();
}

/** A job being planned: its blocks of drafts (split as the rows stream in), the planner they go through, and the summary once they are all through. */
export interface JobPlan {
  blocks: AsyncIterable<TaskDraft[]>;
  planner: TaskPlanner;
  finish(): PreparedJob;
}

/**
 * Store rows of a plan, each block planned (memory, batches) just before the store takes it:
 * the engine stores a job while it is split. Call `plan.finish()` once the rows are consumed.
 */
export async function* plannedTaskRows(plan: JobPlan, jobId: string, excelId: string, gameContext: string, withMemory: boolean): AsyncGenerator<NewTaskRow> {
  for await (const block of plan.blocks) {
    await plan.planner.add(block);
    yield* toTaskRows(jobId, excelId, block, gameContext, withMemory);
  }
}

/** Analysis and targets now, on the scanned sheets; the split runs as the rows stream in (see JobPlan). */
export function startJob(scan: WorkbookScan, config: FanyiConfig, options: PrepareOptions, sink: TaskSink = {}): JobPlan {
  const job = analyseJob(scan.sheets, config, options, sink);
  return { blocks: streamedBlocks(scan, job.splitter), planner: job.planner, finish: job.finish };
}

/** Layouts, targets, and the splitter and planner the rows will go through. */
function analyseJob(sheets: readonly SheetTable[], config: FanyiConfig, options: PrepareOptions, sink: TaskSink): { splitter: TaskSplitter; planner: TaskPlanner; finish(): PreparedJob } {
  const layouts: SheetLayout[] = [];
  const skippedSheets: string[] = [];
  analyseSheets(sheets).forEach((layout, i) => {
    if (layout) layouts.push(layout);
    else skippedSheets.push(sheets[i].name);
  });
  if (!layouts.length && sheets.some(isConfigSheet)) {
    throw new FanyiError('NO_SOURCE_COLUMN', 'this looks like a game-config workbook (##var/##type header rows), not a string table; export its text fields to a string table to translate them');
  }
  const plans = planTargets(layouts, sheets, { to: options.to, from: options.from, columnName: options.columnName });
  const split = emptySplit();
  const splitter = new TaskSplitter(sheets, plans, {
    overwrite: options.overwrite,
    maxCellChars: config.data_processing.cell_processing.max_cell_chars,
    groupPriority: config.translation.group_priority,
    referenceLanguages: config.translation.reference_languages,
    scope: `${options.gameContext ?? ''}\u0001${options.glossary?.version ?? ''}`,
  }, split, blockRowsFor(config.system.max_memory_usage));
  const planner = new TaskPlanner(packOptions(config), sink);
  const finish = (): PreparedJob => {
    const batches = planner.packer.batches;
    const uniqueTexts = batches.reduce((sum, b) => sum + b.uniqueCount, 0);
    const skipped = skippedSheets.concat(layouts.filter((l) => plans.some((p) => p.layout === l) && !plans.some((p) => p.layout === l && p.targets.length)).map((l) => l.sheetName));
    const { tally } = planner;
    return { plans, skippedSheets: skipped, split, tally, batches, uniqueTexts, gameContext: options.gameContext ?? '', glossary: options.glossary, memoryCells: tally.memoryCells, memoryTexts: tally.memoryTexts };
  };
  return { splitter, planner, finish };
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
  const tasks = prepared.tally.perField;
  return prepared.plans
    .filter((p) => p.field?.name)
    .map((p) => ({ sheet: p.layout.sheetName, field: p.field!.name, source: p.source.header, tasks: tasks.get(`${p.layout.sheetName}\u0000${p.field!.name}`) ?? 0 }));
}

/** `22 text fields: Items.name (2), Items.detail (2), …` for estimate and status; empty for string tables. */
export function describeFields(fields: readonly FieldSummary[]): string {
  return fields.length ? `${fields.length} text fields: ${fields.map((f) => `${f.sheet}.${f.field} (${f.tasks})`).join(', ')}` : '';
}

/**
 * A batch's budgets. `callOverhead`: what each call adds to its items (the system prompt; a map
 * job's prompt and schema), so a batch plus its call's overhead fits the share of the burst.
 */
export function packOptions(config: FanyiConfig, callOverhead = PROMPT_OVERHEAD_TOKENS) {
  const { model_limits: limits, batch_control: batch } = config.llm;
  const inputBudget = limits.input_tokens - PROMPT_RESERVE_TOKENS;
  // Providers enforce TPM over about a second (OpenAI: "enforced over shorter periods"). A call
  // bigger than that burst only gets in when the provider's bucket is full to the token, so the
  // batch is sized to go out whole inside it, with room for the prompt and estimate error; the
  // executor still cuts calls to what it learns of the real burst (EndpointPool.callTokenLimit).
  const burst = burstTokens(config);
  return {
    maxInputTokens: Math.max(50, Math.min(batch.max_batch_tokens ?? inputBudget, inputBudget)),
    // Headroom: the estimate is rough and a truncated reply costs a whole retry.
    maxOutputTokens: Math.floor(limits.output_tokens * 0.8),
    maxChars: batch.max_chars_per_batch,
    maxBatchSize: batch.max_batch_size,
    maxCallTokens: Math.max(MIN_CALL_TOKENS, Math.floor(burst * BURST_SHARE_PER_BATCH) - callOverhead),
  };
}

/** The token burst of the configured endpoint with the largest TPM, as its limiter starts (before headers teach it). */
export function burstTokens(config: FanyiConfig): number {
  const { endpoints, performance } = config.llm;
  const tpm = Math.max(...(endpoints.length ? endpoints.map((e) => e.tpm ?? performance.tpm_throttle) : [performance.tpm_throttle]));
  return (tpm * DEFAULT_BURST_MS) / 60_000;
}

/**
 * Store rows for the drafts, made one at a time as the store consumes them, a batch's side by side
 * (see byBatch). `withMemory` binds the result columns on every row (a job streamed in blocks
 * binds them on all or none: every row of an insert has the same columns).
 */
export function* toTaskRows(jobId: string, excelId: string, tasks: TaskDraft[], gameContext: string, withMemory = tasks.some((t) => t.memory)): Generator<NewTaskRow> {
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
    ...(withMemory ? { result: t.memory?.result ?? null, model_name: t.memory?.modelName ?? null } : {}),
  };
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
