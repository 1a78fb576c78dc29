import { createHash } from 'node:crypto';
import { FanyiError } from '../errors.ts';
import { isDataRow, isTranslatableText } from '../workbook/language-columns.ts';
import { NON_TEXT, type CellValue, type SheetRow, type SheetTable } from '../workbook/sheet-model.ts';
import { LIST_SEPARATOR } from '../workbook/meta-rows.ts';
import { encodeAddress } from '../workbook/cell-address.ts';
import { dedupeContext, itemContextTokens, rowText, taskContext, withReferences, type TaskContext } from './context.ts';
import { classifyContent, groupId, groupPriority } from './groups.ts';
import type { SheetPlan } from './plan-targets.ts';
import { chooseReferences, referencePlan, type ReferencePlan, type ReferenceSetting } from './reference-languages.ts';
import { MAX_BLOCK_ROWS } from '../workbook/memory-budget.ts';

/** A task before it is stored: one (source cell, target language). */
export interface TaskDraft {
  taskId: string;
  sheetName: string;
  /** The text field of a game-data sheet (also in `sourceContext`); absent in string tables. */
  field?: string;
  rowIdx: number;
  colIdx: number;
  cellRef: string;
  sourceLang: string;
  sourceText: string;
  sourceContext: string;
  targetLang: string;
  targetRegion: string | null;
  groupId: string;
  priority: number;
  dedupeKey: string;
  /** Estimated tokens of the context sent beside the text (see itemContextTokens). */
  contextTokens?: number;
  batchId?: string;
  /** A translation memory hit: the task is stored completed with this result and never sent. */
  memory?: { result: string; modelName: string };
}

export interface SplitOptions {
  overwrite: boolean;
  maxCellChars: number;
  groupPriority: Readonly<Record<string, number>>;
  /**
   * What else decides a translation job-wide (game context, glossary version). Part of every
   * dedupe key, so a key is also the text's translation-memory key across jobs.
   */
  scope?: string;
  /** `translation.reference_languages`; default `'auto'`. */
  referenceLanguages?: ReferenceSetting;
}

/** What splitting found beside the tasks themselves (those go out a block at a time: see task-splitter.ts). */
export interface SplitResult {
  /** Tasks made so far: the last task id's number. */
  taskCount: number;
  /** Header cells to write for new language columns. */
  newHeaders: Array<{ sheetIndex: number; row: number; col: number; text: string }>;
  /** Target cells left alone because a person already filled them. */
  keptHuman: number;
  /**
   * Source cells of `string[]` columns holding several items (`軽傷,重傷`), left untranslated: a
   * translation could merge, split or re-punctuate the items, and the game would read another list.
   */
  listCellsSkipped: number;
}

/**
 * Rows split at a time, and the most tasks a block holds before it is handed on. A block's rows
 * are read once for every target (their contexts are made once), and nothing of a block is kept
 * after it: memory is one block's drafts whatever the size of the workbook. Blocks run across
 * sheets, so a workbook smaller than a block is planned exactly as a whole (batches in priority
 * order over all its sheets).
 */
export const SPLIT_BLOCK_ROWS = MAX_BLOCK_ROWS;
export const SPLIT_BLOCK_TASKS = 60_000;

export function emptySplit(): SplitResult {
  return { taskCount: 0, newHeaders: [], keptHuman: 0, listCellsSkipped: 0 };
}

/** One range of rows' drafts for one plan: a task per source cell and target whose target cell is empty, or all with `overwrite`. */
export function splitBlock(sheet: SheetTable, plan: SheetPlan, rows: SourceRow[], options: SplitOptions, out: SplitResult): TaskDraft[] {
  const tasks: TaskDraft[] = [];
  for (const target of plan.targets) {
    // One string per target, not one per task.
    const targetRegion = target.language.split('-')[1]?.toUpperCase() ?? null;
    for (const row of rows) {
      const existing = row.cells[target.col];
      if (existing === NON_TEXT) continue; // formulas, numbers, dates: never overwritten
      if (typeof existing === 'string' && existing.trim() && !options.overwrite) {
        out.keptHuman++;
        continue;
      }
      if (row.text.length > options.maxCellChars) throw tooLong(sheet, row, plan.source.col, options.maxCellChars);
      const variant = row.forTarget(target.language);
      tasks.push(new CompactDraft(++out.taskCount, sheet.name, plan.field?.name, row, target.col, plan.source.language, variant, target.language, targetRegion));
    }
  }
  return tasks;
}

/**
 * A draft that keeps only what it cannot share: every string but the source text and context is
 * shared with other drafts, and the task id, cell reference and dedupe key (three strings per
 * task, ~100 bytes) are made when read. At 3,000,000 tasks that is 300 MB less held.
 */
class CompactDraft implements TaskDraft {
  readonly #seq: number;
  readonly #hash: string;
  readonly sheetName: string;
  readonly field?: string;
  readonly rowIdx: number;
  readonly colIdx: number;
  readonly sourceLang: string;
  readonly sourceText: string;
  readonly sourceContext: string;
  readonly targetLang: string;
  readonly targetRegion: string | null;
  readonly groupId: string;
  readonly priority: number;
  readonly contextTokens: number;
  batchId?: string;
  memory?: { result: string; modelName: string };

  constructor(seq: number, sheetName: string, field: string | undefined, row: SourceRow, col: number, sourceLang: string, variant: ContextVariant, targetLang: string, targetRegion: string | null) {
    this.#seq = seq;
    this.#hash = variant.textHash;
    this.sheetName = sheetName;
    if (field) this.field = field;
    this.rowIdx = row.row;
    this.colIdx = col;
    this.sourceLang = sourceLang;
    this.sourceText = row.text;
    this.sourceContext = variant.contextJson;
    this.targetLang = targetLang;
    this.targetRegion = targetRegion;
    this.groupId = row.groupId;
    this.priority = row.priority;
    this.contextTokens = variant.contextTokens;
  }

  get taskId(): string {
    return `TASK_${String(this.#seq).padStart(6, '0')}`;
  }

  get cellRef(): string {
    return encodeAddress(this.rowIdx, this.colIdx);
  }

  get dedupeKey(): string {
    return `${this.targetLang}:${this.#hash}`;
  }
}

function tooLong(sheet: SheetTable, row: SourceRow, col: number, max: number): FanyiError {
  const where = `${sheet.name}!${encodeAddress(row.row, col)}`;
  return new FanyiError('CELL_TOO_LONG', `${where} has ${row.text.length} characters, over max_cell_chars ${max}; shorten it or raise data_processing.cell_processing.max_cell_chars`);
}

export interface SourceRow {
  row: number;
  cells: readonly CellValue[];
  text: string;
  /** The stored context, dedupe hash and context tokens for one target (targets given the same references share them). */
  forTarget: (targetLang: string) => ContextVariant;
  groupId: string;
  priority: number;
}

interface ContextVariant {
  contextJson: string;
  /** Hash of the text and its meaning-bearing context (the references sent included). */
  textHash: string;
  contextTokens: number;
}

/** The rows whose source cell holds translatable text, a range at a time, with what every target shares. */
export class SourceRows {
  readonly #isList: boolean;
  readonly #pivots: Set<string>;
  readonly #references: ReferencePlan;

  constructor(
    readonly sheet: SheetTable,
    readonly plan: SheetPlan,
    readonly options: SplitOptions,
    readonly out: SplitResult,
  ) {
    this.#isList = plan.layout.listColumns?.includes(plan.source.col) ?? false;
    this.#pivots = pivotLanguages(plan);
    this.#references = referencePlan(plan.columns, plan.source, options.referenceLanguages ?? 'auto');
  }

  /** The rows whose source cell holds text to translate, each with what its targets share. */
  rows(sheetRows: readonly SheetRow[]): SourceRow[] {
    const { sheet, plan, options } = this;
    const rows: SourceRow[] = [];
    for (const sheetRow of sheetRows) {
      const { row, cells } = sheetRow;
      const text = cells[plan.source.col];
      if (!isTranslatableText(text) || !isDataRow(cells)) continue;
      if (this.#isList && LIST_SEPARATOR.test(text)) {
        this.out.listCellsSkipped++;
        continue;
      }
      const context = taskContext(sheet, plan.layout, sheetRow, plan.source, plan.field);
      const contentClass = classifyContent(sheet.name, context.column, context.key, text);
      // The source language is part of the identity: French "Chat" is not English "Chat".
      const identity = { language: plan.source.language, text, scope: options.scope ?? '', pivots: this.#pivots };
      rows.push({
        row,
        cells,
        text,
        forTarget: contextVariants(context, identity, this.#references, rowText(sheetRow)),
        groupId: groupId(sheet.name, contentClass),
        priority: groupPriority(sheet.name, contentClass, options.groupPriority),
      });
    }
    return rows;
  }
}

/**
 * One row's context per target language. Most targets get the same references, so the variants
 * are kept by their reference languages: one JSON string per variant, not one per task.
 */
function contextVariants(
  context: TaskContext,
  identity: { language: string; text: string; scope: string; pivots: ReadonlySet<string> },
  references: ReferencePlan,
  text: (col: number) => string | undefined,
): (targetLang: string) => ContextVariant {
  const variants = new Map<string, ContextVariant>();
  return (targetLang) => {
    const refs = chooseReferences(references, text, targetLang);
    const name = Object.keys(refs ?? {}).join('\u0000');
    let variant = variants.get(name);
    if (!variant) {
      const full = withReferences(context, refs);
      const hash = textHash(`${identity.language}\u0000${identity.text}`, `${dedupeContext(full, identity.pivots)}\u0002${identity.scope}`);
      variant = { contextJson: JSON.stringify(full), textHash: hash, contextTokens: itemContextTokens(full, identity.text) };
      variants.set(name, variant);
    }
    return variant;
  };
}

/** Language columns that are neither source nor target: their cells are references that can change a text's meaning. */
function pivotLanguages(plan: SheetPlan): Set<string> {
  const targets = new Set(plan.targets.map((t) => t.col));
  return new Set(plan.columns.filter((c) => c.col !== plan.source.col && !targets.has(c.col)).map((c) => c.language));
}

/**
 * Identical (target language, source text, meaning-bearing context) is translated once per job:
 * the dedupe key is `<lang>:<hash of text and context>` (≤ 35 + 1 + 26 characters).
 */
export function textHash(text: string, context: string): string {
  return createHash('sha1').update(`${text}\u0000${context}`).digest('hex').slice(0, 26);
}
