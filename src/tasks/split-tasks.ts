import { createHash } from 'node:crypto';
import { FanyiError } from '../errors.ts';
import { isDataRow, isTranslatableText } from '../workbook/language-columns.ts';
import { NON_TEXT, type SheetTable } from '../workbook/sheet-model.ts';
import { LIST_SEPARATOR } from '../workbook/meta-rows.ts';
import { encodeAddress } from '../workbook/cell-address.ts';
import { dedupeContext, itemContextTokens, rowText, taskContext, withReferences, type TaskContext } from './context.ts';
import { classifyContent, groupId, groupPriority } from './groups.ts';
import type { SheetPlan } from './plan-targets.ts';
import { chooseReferences, referencePlan, type ReferencePlan, type ReferenceSetting } from './reference-languages.ts';

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

export interface SplitResult {
  tasks: TaskDraft[];
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

/** One task per (source cell, target language) whose target cell is empty, or all with `overwrite`. */
export function splitTasks(sheets: readonly SheetTable[], plans: SheetPlan[], options: SplitOptions): SplitResult {
  const result: SplitResult = { tasks: [], newHeaders: [], keptHuman: 0, listCellsSkipped: 0 };
  for (const plan of plans) splitSheet(sheets[plan.layout.sheetIndex], plan, options, result);
  return result;
}

function splitSheet(sheet: SheetTable, plan: SheetPlan, options: SplitOptions, out: SplitResult): void {
  const { layout, source, targets } = plan;
  const rows = sourceRows(sheet, plan, options, out);
  // Language-major order: task ids run by language, then row (rows are stored batch by batch: see toTaskRows).
  for (const target of targets) {
    if (target.isNew) out.newHeaders.push({ sheetIndex: sheet.index, row: layout.headerRow, col: target.col, text: target.header ?? target.language });
    // One string per target, not one per task: the drafts stay in memory for the whole run.
    const targetRegion = target.language.split('-')[1]?.toUpperCase() ?? null;
    for (const row of rows) {
      const existing = sheet.rows[row.row]?.[target.col];
      if (existing === NON_TEXT) continue; // formulas, numbers, dates: never overwritten
      if (typeof existing === 'string' && existing.trim() && !options.overwrite) {
        out.keptHuman++;
        continue;
      }
      if (row.text.length > options.maxCellChars) throw tooLong(sheet, row, plan.source.col, options.maxCellChars);
      const variant = row.forTarget(target.language);
      out.tasks.push(new CompactDraft(out.tasks.length + 1, sheet.name, plan.field?.name, row, target.col, source.language, variant, target.language, targetRegion));
    }
  }
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

interface SourceRow {
  row: number;
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

/** The rows whose source cell holds translatable text, with what every target shares. */
function sourceRows(sheet: SheetTable, plan: SheetPlan, options: SplitOptions, out: SplitResult): SourceRow[] {
  const { layout, source } = plan;
  const isList = layout.listColumns?.includes(source.col) ?? false;
  const rows: SourceRow[] = [];
  const pivots = pivotLanguages(plan);
  const references = referencePlan(plan.columns, source, options.referenceLanguages ?? 'auto');
  for (let row = layout.firstDataRow; row < sheet.rows.length; row++) {
    const cells = sheet.rows[row];
    const text = cells?.[source.col];
    if (!isTranslatableText(text) || !isDataRow(cells)) continue;
    if (isList && LIST_SEPARATOR.test(text)) {
      out.listCellsSkipped++;
      continue;
    }
    const context = taskContext(sheet, layout, row, source, plan.field);
    const contentClass = classifyContent(sheet.name, context.column, context.key, text);
    // The source language is part of the identity: French "Chat" is not English "Chat".
    const identity = { language: source.language, text, scope: options.scope ?? '', pivots };
    rows.push({
      row,
      text,
      forTarget: contextVariants(context, identity, references, rowText(sheet, row)),
      groupId: groupId(sheet.name, contentClass),
      priority: groupPriority(sheet.name, contentClass, options.groupPriority),
    });
  }
  return rows;
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
