/**
 * The tasks and batches of a map job, whatever its items are (rows, or groups of rows:
 * map-groups.ts): one task row per item (`source_text` the item's JSON as sent), identical items
 * sent once, items packed by the same token budgets translation batches use
 * (tasks/prepare-job.ts packOptions), per class (see RowClass).
 */
import { createHash } from 'node:crypto';
import { schemaValue } from '../llm/schema-value.ts';
import type { BatchRow, NewTaskRow } from '../store/job-store.ts';
import { ITEM_OVERHEAD_TOKENS, estimateTokens } from '../tasks/batching/estimate-tokens.ts';
import { KeyTable } from '../tasks/batching/key-table.ts';
import type { PackOptions } from '../tasks/batching/pack-batches.ts';
import { encodeAddress } from '../workbook/cell-address.ts';
import type { MapSpec } from './map-spec.ts';

/** The wire id of a map call's kind (the tasks' and batches' `target_lang`, the limiter's kind of call). */
export const MAP_KIND = 'map';

/**
 * How a row is packed: its class (batches never mix classes; the class name is the batch's
 * `lane` column, so a runner can tell it per claim), at most how many rows of it go in one call,
 * and the class's priority (lower is claimed first). The seam for class tables (seed 003's
 * ReviewClassifier: VIP reviews alone, short ones 20 to a call).
 */
export interface RowClass {
  className: string;
  /** Absent: the token budgets (and `batch_control.max_batch_size`) alone decide. */
  maxItemsPerCall?: number;
  /** Default 5, as a translation's text group. */
  priority?: number;
}

/** Per class: rows, unique rows sent and calls (batches), for `estimate` and the job's summary. */
export interface ClassSummary {
  className: string;
  rows: number;
  uniqueRows: number;
  batches: number;
  estInputTokens: number;
  estOutputTokens: number;
  /** Tokens of the worked examples over the class's calls (each call of a few-shot class carries them); 0 for other classes. */
  exampleTokens: number;
}

const DEFAULT_PRIORITY = 5;

/** Reply tokens of one row's result: the schema's typical value (strings of ~4 words, lists of 3), framing included. */
export function resultTokens(spec: Pick<MapSpec, 'schema'>): number {
  const typical = schemaValue(spec.schema, { text: () => 'typical words of it', arrayItems: 3 });
  return estimateTokens(JSON.stringify(typical)) + ITEM_OVERHEAD_TOKENS;
}

/** What makes two items' answers interchangeable besides their text: the prompt, the schema and the columns sent. */
export function dedupeScope(spec: Pick<MapSpec, 'prompt' | 'schema' | 'columns'>): string {
  return createHash('sha1').update(`${spec.prompt}\u0000${JSON.stringify(spec.schema)}\u0000${spec.columns.join('\u0001')}`).digest('hex').slice(0, 12);
}

export function mapDedupeKey(scope: string, sourceText: string): string {
  return `${MAP_KIND}:${scope}:${createHash('sha1').update(sourceText).digest('hex').slice(0, 26)}`;
}

/** `GROUP_Reviews_ROWS`: one group per sheet and class, so a class can be paused or followed alone. */
export function groupOf(sheetName: string, className: string): string {
  const clean = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_|_$/g, '').slice(0, 60);
  return `GROUP_${clean(sheetName) || 'Sheet'}_${clean(className).toUpperCase() || 'ROWS'}`;
}

/** Where a task's result goes and what it is: the item's JSON, its dedupe key, its stored context, its cell. */
export interface MapTaskItem {
  sourceText: string;
  dedupeKey: string;
  context: object;
  rowIdx: number;
  colIdx: number;
}

/** The task row of the `index`-th item (0-based) in `batch`; `jobId` and `excelId` as translate's tasks carry them. */
export function mapTaskRow(ids: { jobId: string; excelId: string }, spec: Pick<MapSpec, 'sheetName'>, index: number, batch: BatchRow, item: MapTaskItem): NewTaskRow {
  return {
    job_id: ids.jobId,
    task_id: `TASK_${String(index + 1).padStart(6, '0')}`,
    batch_id: batch.batch_id,
    group_id: batch.group_id,
    source_lang: '',
    source_text: item.sourceText,
    source_context: JSON.stringify(item.context),
    game_context: null,
    target_lang: MAP_KIND,
    target_region: null,
    excel_id: ids.excelId,
    sheet_name: spec.sheetName,
    row_idx: item.rowIdx,
    col_idx: item.colIdx,
    cell_ref: encodeAddress(item.rowIdx, item.colIdx),
    status: 'pending',
    priority: batch.priority,
    dedupe_key: item.dedupeKey,
  };
}

/**
 * Packs items into batches per class under the input, output, call and character budgets and the
 * class's items per call; `callExtra` is what a class's calls carry besides their items and the
 * prompt (a few-shot class's examples), kept free in each of its calls. An item is never split:
 * one over a budget alone goes in a batch of its own.
 */
export class MapPacker {
  readonly batches: BatchRow[] = [];
  readonly #options: PackOptions;
  readonly #outTokens: number;
  readonly #jobId: string;
  readonly #callExtra: (className: string) => number;
  readonly #open = new Map<string, BatchRow>();
  /** Each unique item's batch, by its `seq` (batches[seq - 1]), held as hash bits (tasks/batching/key-table.ts). */
  readonly #batchOf = new KeyTable();
  readonly #classes = new Map<string, ClassSummary>();

  constructor(options: PackOptions, outTokensPerRow: number, jobId: string, callExtra: (className: string) => number = () => 0) {
    this.#options = options;
    this.#outTokens = outTokensPerRow;
    this.#jobId = jobId;
    this.#callExtra = callExtra;
  }

  /** The batch of the item: that of an identical item seen before, else the class's open one (or a new one). */
  add(dedupeKey: string, sourceText: string, rowClass: RowClass, groupId: string): BatchRow {
    const summary = this.#summary(rowClass.className);
    summary.rows++;
    const earlier = this.#batchOf.get(dedupeKey);
    if (earlier !== undefined) {
      const batch = this.batches[earlier - 1];
      batch.task_count++;
      return batch;
    }
    const inTokens = estimateTokens(sourceText) + ITEM_OVERHEAD_TOKENS;
    let batch = this.#open.get(rowClass.className);
    if (!batch || !this.#fits(batch, inTokens, sourceText.length, rowClass)) {
      batch = this.#newBatch(rowClass, groupId);
      summary.batches++;
      summary.exampleTokens += this.#callExtra(rowClass.className);
      this.#open.set(rowClass.className, batch);
    }
    batch.task_count++;
    batch.unique_count++;
    batch.chars += sourceText.length;
    batch.est_input_tokens += inTokens;
    batch.est_output_tokens += this.#outTokens;
    summary.uniqueRows++;
    summary.estInputTokens += inTokens;
    summary.estOutputTokens += this.#outTokens;
    this.#batchOf.set(dedupeKey, batch.seq);
    return batch;
  }

  summary(): ClassSummary[] {
    return [...this.#classes.values()];
  }

  #fits(batch: BatchRow, inTokens: number, chars: number, rowClass: RowClass): boolean {
    const o = this.#options;
    const maxItems = Math.max(1, Math.min(rowClass.maxItemsPerCall ?? o.maxBatchSize, o.maxBatchSize));
    const input = batch.est_input_tokens + inTokens + this.#callExtra(rowClass.className);
    return (
      batch.unique_count < maxItems &&
      input <= o.maxInputTokens &&
      batch.est_output_tokens + this.#outTokens <= o.maxOutputTokens &&
      input + batch.est_output_tokens + this.#outTokens <= (o.maxCallTokens ?? Number.POSITIVE_INFINITY) &&
      batch.chars + chars <= o.maxChars
    );
  }

  #newBatch(rowClass: RowClass, groupId: string): BatchRow {
    const seq = this.batches.length + 1;
    const name = rowClass.className.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    const batch: BatchRow = {
      job_id: this.#jobId,
      batch_id: `BATCH_MAP_${name}_${String(this.#summary(rowClass.className).batches + 1).padStart(3, '0')}`,
      seq,
      group_id: groupId,
      lane: rowClass.className,
      target_lang: MAP_KIND,
      priority: rowClass.priority ?? DEFAULT_PRIORITY,
      task_count: 0,
      unique_count: 0,
      chars: 0,
      est_input_tokens: 0,
      est_output_tokens: 0,
      attempts: 0,
      status: 'pending',
      worker_id: null,
      lease_until: null,
      updated_at: Date.now(),
    };
    this.batches.push(batch);
    return batch;
  }

  #summary(className: string): ClassSummary {
    let summary = this.#classes.get(className);
    if (!summary) {
      summary = { className, rows: 0, uniqueRows: 0, batches: 0, estInputTokens: 0, estOutputTokens: 0, exampleTokens: 0 };
      this.#classes.set(className, summary);
    }
    return summary;
  }
}
