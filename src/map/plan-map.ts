/**
 * A map job's tasks and batches: one task per row (`source_text` the JSON of the fields sent),
 * identical rows sent once, rows packed many to a call by the same token budgets translation
 * batches use (tasks/prepare-job.ts packOptions), per class of row (see RowClassifier).
 */
import { createHash } from 'node:crypto';
import type { FanyiConfig } from '../config/config-schema.ts';
import type { BatchRow, NewTaskRow } from '../store/job-store.ts';
import { ITEM_OVERHEAD_TOKENS, estimateTokens } from '../tasks/batching/estimate-tokens.ts';
import type { PackOptions } from '../tasks/batching/pack-batches.ts';
import { packOptions } from '../tasks/prepare-job.ts';
import { encodeAddress } from '../workbook/cell-address.ts';
import type { SpreadsheetDocument } from '../workbook/sheet-model.ts';
import { tableRows, type MapRow } from './map-rows.ts';
import { specTable, type MapSpec } from './map-spec.ts';
import { schemaValue } from '../llm/schema-value.ts';

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

export type RowClassifier = (row: MapRow) => RowClass;

/** The default: every row one class, packed by the token budgets alone. */
export const byTokenBudget: RowClassifier = () => ({ className: 'rows' });

/** Per class: rows, unique rows sent and calls (batches), for `estimate` and the job's summary. */
export interface ClassSummary {
  className: string;
  rows: number;
  uniqueRows: number;
  batches: number;
  estInputTokens: number;
  estOutputTokens: number;
}

export interface MapPlan {
  tasks: NewTaskRow[];
  batches: BatchRow[];
  classes: ClassSummary[];
}

const DEFAULT_PRIORITY = 5;

/** Reply tokens of one row's result: the schema's typical value (strings of ~4 words, lists of 3), framing included. */
export function resultTokens(spec: Pick<MapSpec, 'schema'>): number {
  const typical = schemaValue(spec.schema, { text: () => 'typical words of it', arrayItems: 3 });
  return estimateTokens(JSON.stringify(typical)) + ITEM_OVERHEAD_TOKENS;
}

/** Plans the job's rows; `jobId` and `excelId` as translate's tasks carry them. */
export function planMap(document: SpreadsheetDocument, spec: MapSpec, config: FanyiConfig, ids: { jobId: string; excelId: string }, classify: RowClassifier = byTokenBudget): MapPlan {
  const packer = new MapPacker(packOptions(config), resultTokens(spec), ids.jobId);
  const scope = createHash('sha1').update(`${spec.prompt}\u0000${JSON.stringify(spec.schema)}\u0000${spec.columns.join('\u0001')}`).digest('hex').slice(0, 12);
  const tasks: NewTaskRow[] = [];
  for (const row of tableRows(document, specTable(document, spec), spec.columns, spec.idColumn)) {
    const sourceText = JSON.stringify(row.fields);
    const dedupeKey = `${MAP_KIND}:${scope}:${createHash('sha1').update(sourceText).digest('hex').slice(0, 26)}`;
    const rowClass = classify(row);
    const group = groupOf(spec.sheetName, rowClass.className);
    const batch = packer.add(dedupeKey, sourceText, rowClass, group);
    tasks.push({
      job_id: ids.jobId,
      task_id: `TASK_${String(tasks.length + 1).padStart(6, '0')}`,
      batch_id: batch.batch_id,
      group_id: group,
      source_lang: '',
      source_text: sourceText,
      source_context: JSON.stringify({ id: row.id, class: rowClass.className }),
      game_context: null,
      target_lang: MAP_KIND,
      target_region: null,
      excel_id: ids.excelId,
      sheet_name: spec.sheetName,
      row_idx: row.rowIdx,
      col_idx: spec.firstResultCol,
      cell_ref: encodeAddress(row.rowIdx, spec.firstResultCol),
      status: 'pending',
      priority: batch.priority,
      dedupe_key: dedupeKey,
    });
  }
  return { tasks, batches: packer.batches, classes: packer.summary() };
}

/** `GROUP_Reviews_ROWS`: one group per sheet and class, so a class can be paused or followed alone. */
function groupOf(sheetName: string, className: string): string {
  const clean = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_|_$/g, '').slice(0, 60);
  return `GROUP_${clean(sheetName) || 'Sheet'}_${clean(className).toUpperCase() || 'ROWS'}`;
}

/**
 * Packs rows into batches per class under the input, output, call and character budgets and the
 * class's items per call. A row is never split: one over a budget alone goes in a batch of its own.
 */
class MapPacker {
  readonly batches: BatchRow[] = [];
  readonly #options: PackOptions;
  readonly #outTokens: number;
  readonly #jobId: string;
  readonly #open = new Map<string, BatchRow>();
  readonly #batchOf = new Map<string, BatchRow>();
  readonly #classes = new Map<string, ClassSummary>();

  constructor(options: PackOptions, outTokensPerRow: number, jobId: string) {
    this.#options = options;
    this.#outTokens = outTokensPerRow;
    this.#jobId = jobId;
  }

  /** The batch of the row: that of an identical row seen before, else the class's open one (or a new one). */
  add(dedupeKey: string, sourceText: string, rowClass: RowClass, groupId: string): BatchRow {
    const summary = this.#summary(rowClass.className);
    summary.rows++;
    const earlier = this.#batchOf.get(dedupeKey);
    if (earlier) {
      earlier.task_count++;
      return earlier;
    }
    const inTokens = estimateTokens(sourceText) + ITEM_OVERHEAD_TOKENS;
    let batch = this.#open.get(rowClass.className);
    if (!batch || !this.#fits(batch, inTokens, sourceText.length, rowClass)) {
      batch = this.#newBatch(rowClass, groupId);
      summary.batches++;
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
    this.#batchOf.set(dedupeKey, batch);
    return batch;
  }

  summary(): ClassSummary[] {
    return [...this.#classes.values()];
  }

  #fits(batch: BatchRow, inTokens: number, chars: number, rowClass: RowClass): boolean {
    const o = this.#options;
    const maxItems = Math.max(1, Math.min(rowClass.maxItemsPerCall ?? o.maxBatchSize, o.maxBatchSize));
    return (
      batch.unique_count < maxItems &&
      batch.est_input_tokens + inTokens <= o.maxInputTokens &&
      batch.est_output_tokens + this.#outTokens <= o.maxOutputTokens &&
      batch.est_input_tokens + batch.est_output_tokens + inTokens + this.#outTokens <= (o.maxCallTokens ?? Number.POSITIVE_INFINITY) &&
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
      summary = { className, rows: 0, uniqueRows: 0, batches: 0, estInputTokens: 0, estOutputTokens: 0 };
      this.#classes.set(className, summary);
    }
    return summary;
  }
}
