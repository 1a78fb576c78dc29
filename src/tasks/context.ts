import type { ItemContext } from '../llm/provider.ts';
import { lengthLimit } from '../qa/length-hint.ts';
import { languagesMatch, memoize } from '../workbook/language-codes.ts';
import type { SheetLayout } from '../workbook/language-columns.ts';
import { languageFromHeader } from '../workbook/language-headers.ts';
import { cellKey, type SheetTable } from '../workbook/sheet-model.ts';
import { estimateTokens } from './batching/estimate-tokens.ts';

/** What a translator would want to know about one cell (seed 000 §3.2.4); stored as the task's `source_context`. */
export interface TaskContext {
  sheet: string;
  column: string;
  key?: string;
  comment?: string;
  /** Note, description and speaker cells of the row, as `Header: value`. */
  notes?: string[];
  maxLength?: number;
  /** Other language cells of the row already filled, by the column's language code (pivot translations). */
  refs?: Record<string, string>;
}

export function taskContext(sheet: SheetTable, layout: SheetLayout, row: number, sourceCol: number): TaskContext {
  const cells = sheet.rows[row] ?? [];
  const text = (col: number | undefined) => {
    const value = col === undefined ? undefined : cells[col];
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
  const comment = sheet.comments.get(cellKey(row, sourceCol))?.trim();
  const notes = layout.noteColumns.flatMap((col) => labelled(headerOf(sheet, layout, col), text(col)));
  const context: TaskContext = { sheet: sheet.name, column: headerOf(sheet, layout, sourceCol) };
  const key = text(layout.keyColumn);
  if (key) context.key = key;
  if (comment) context.comment = comment;
  if (notes.length) context.notes = notes;
  const maxLength = lengthLimit(maxLengthCell(sheet, layout, row), comment, ...notes);
  if (maxLength) context.maxLength = maxLength;
  const refs = rowRefs(layout, sourceCol, text);
  if (refs) context.refs = refs;
  return context;
}

function labelled(header: string, value: string | undefined): string[] {
  if (!value) return [];
  return [header ? `${header}: ${value}` : value];
}

/** A max-length cell: its number when Excel stored one (numbers are not text in the sheet model), else its text. */
function maxLengthCell(sheet: SheetTable, layout: SheetLayout, row: number): unknown {
  if (layout.maxLengthColumn === undefined) return undefined;
  return sheet.numbers?.get(cellKey(row, layout.maxLengthColumn)) ?? sheet.rows[row]?.[layout.maxLengthColumn];
}

/** The row's other language cells that hold text: reference translations that settle what a short string means. */
function rowRefs(layout: SheetLayout, sourceCol: number, text: (col: number) => string | undefined): Record<string, string> | undefined {
  let refs: Record<string, string> | undefined;
  for (const column of layout.languageColumns) {
    const value = column.col === sourceCol ? undefined : text(column.col);
    if (value && !(refs && column.language in refs)) (refs ??= {})[column.language] = value;
  }
  return refs;
}

function headerOf(sheet: SheetTable, layout: SheetLayout, col: number): string {
  const value = sheet.rows[layout.headerRow]?.[col];
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The part of the context that changes what a correct translation is: comment, notes, length
 * limit, and the references in `keyedRefLanguages` (pivot columns that are not targets of the
 * job; a human translation in another target column is sent but does not split a text). The key
 * and sheet do not (identical UI words under different keys translate alike).
 */
export function dedupeContext(context: TaskContext, keyedRefLanguages: ReadonlySet<string> = new Set()): string {
  const refs = Object.entries(context.refs ?? {}).filter(([lang]) => keyedRefLanguages.has(lang)).map(([lang, text]) => `${lang}=${text}`);
  return [context.comment ?? '', ...(context.notes ?? []), context.maxLength ?? '', ...refs].join('\u0001');
}

/** Words that make a key say nothing about its text (`key_123`, `str_0042`, `ID 7`). */
const GENERIC_KEY_WORDS = new Set(['key', 'keys', 'id', 'ids', 'str', 'string', 'strings', 'text', 'txt', 'row', 'no', 'idx', 'index', 'k', 's', 't', 'x']);

/** True when a key carries meaning (`btn_start`, `dlg_001`); counters and hashes cost tokens for nothing. */
export function isInformativeKey(key: string): boolean {
  if (/^[0-9a-f]{6,}$/i.test(key) && /\d/.test(key)) return false;
  const words = key.split(/[^\p{L}]+/u).filter(Boolean);
  return words.some((word) => !GENERIC_KEY_WORDS.has(word.toLowerCase()));
}

/**
 * A stored context as the prompt carries it into `targetLang`: an uninformative key, sheet name or
 * column header dropped, and no reference in the target language itself (with --overwrite that is the
 * old translation).
 */
export function promptContext(stored: string | TaskContext | null | undefined, targetLang: string): ItemContext | undefined {
  if (!stored) return undefined;
  const { sheet, column, key, comment, notes, maxLength, refs } = typeof stored === 'string' ? parseTaskContext(stored) : stored;
  const context: ItemContext = { comment, notes, maxLength };
  if (sheet && isInformativeSheet(sheet)) context.sheet = sheet;
  if (column && isInformativeHeader(column)) context.column = column;
  if (key && isInformativeKey(key)) context.key = key;
  const kept = Object.entries(refs ?? {}).filter(([lang]) => languagesMatch(targetLang, lang) === 0);
  if (kept.length) context.refs = Object.fromEntries(kept);
  return context;
}

/** A stored `source_context`, parsed (throws like JSON.parse on bad JSON). */
export function parseTaskContext(json: string): TaskContext {
  return JSON.parse(json) as TaskContext;
}

/** Parsed contexts by the item that carries them: a run reads each three times (cost estimate, prompt, QA length limit). */
const itemContexts = new WeakMap<{ sourceContext: string | null }, TaskContext | undefined>();

/**
 * An item's stored context, parsed once for the item's lifetime (keyed by the object, so no
 * hashing of the JSON and nothing kept after the batch). Shared between callers: never change it.
 */
export function itemTaskContext(item: { sourceContext: string | null }): TaskContext | undefined {
  if (itemContexts.has(item)) return itemContexts.get(item);
  const context = item.sourceContext ? parseTaskContext(item.sourceContext) : undefined;
  itemContexts.set(item, context);
  return context;
}

/** Words of default and catch-all sheet names: `Sheet1`, `Tabelle1`, `工作表1`, `Strings`, `Localization`. */
const GENERIC_SHEET_WORDS = new Set([
  'sheet', 'sheets', 'tabelle', 'feuil', 'feuille', 'hoja', 'foglio', 'planilha', 'blad', 'arkusz', 'лист', '工作表', 'シート', '시트',
  'string', 'strings', 'text', 'texts', 'translation', 'translations', 'localization', 'localisation', 'l', 'n', 'i', 'lang', 'language', 'languages', 'data', 'export', 'main', 'default', 'all',
]);

/** A sheet named `Sheet1` or `Strings` says nothing about its texts; `Items` or `Dialogue` does. */
const isInformativeSheet = memoize((name: string): boolean => name.split(/[^\p{L}]+/u).some((word) => word && !GENERIC_SHEET_WORDS.has(word.toLowerCase())));

/** `CH`, `中文`, `English text` only name the language, which the prompt names already. */
const isInformativeHeader = memoize((header: string): boolean => languageFromHeader(header) === undefined);

/** Estimated tokens of what is sent per item beside its text (sheet and column go once per batch). */
export function itemContextTokens(context: TaskContext): number {
  const key = context.key && isInformativeKey(context.key) ? context.key : '';
  const refs = Object.values(context.refs ?? {}).join('');
  const notes = (context.notes ?? []).join('');
  const parts = `${key}${context.comment ?? ''}${notes}${refs}`;
  if (!parts && !context.maxLength) return 0;
  // Field names and JSON framing: {"text":…,"key":…} ≈ 4 tokens per field.
  return estimateTokens(parts) + 4 * (Number(!!key) + Number(!!context.comment) + Number(!!notes) + Object.keys(context.refs ?? {}).length + Number(!!context.maxLength) + 1);
}
