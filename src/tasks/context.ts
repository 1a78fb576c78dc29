import type { ItemContext } from '../llm/provider.ts';
import { lengthLimit } from '../qa/length-hint.ts';
import { languagesMatch, memoize } from '../workbook/language-codes.ts';
import type { TextField } from '../workbook/field-families.ts';
import type { SheetLayout } from '../workbook/language-columns.ts';
import { languageFromHeader } from '../workbook/language-headers.ts';
import { cellKey, type SheetRow, type SheetTable } from '../workbook/sheet-model.ts';
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
  /**
   * A few other language cells of the row already filled, by the column's language code (pivot
   * translations): those `translation.reference_languages` chooses for the task's target (see
   * reference-languages.ts), not every language of the row.
   */
  refs?: Record<string, string>;
  /** The text field the cell belongs to in a game-data sheet (`detail` for `detail_JP`); absent in string tables. */
  field?: string;
  /**
   * The row's other fields, by field name (`{ name: "剣" }` beside a `detail`): the source-language
   * member's text, else the first filled one. At most MAX_FIELD_CONTEXT, each cut to MAX_FIELD_CHARS.
   */
  fields?: Record<string, string>;
}

/**
 * Note columns sent per item at most (the leftmost filled ones). A sheet may head many columns
 * `Description…`/`Comment…`; every one would be paid for on every call, like references.
 */
export const MAX_NOTE_COLUMNS = 3;

/** Other fields sent per item at most (the leftmost filled ones), and characters kept of each. */
export const MAX_FIELD_CONTEXT = 3;
export const MAX_FIELD_CHARS = 200;

/** The row's trimmed text in a column, undefined for empty or non-text cells. */
export function rowText(row: SheetRow): (col: number | undefined) => string | undefined {
  const { cells } = row;
  return (col) => {
    const value = col === undefined ? undefined : cells[col];
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
}

/**
 * A cell's context without references: those depend on the target (see withReferences). The
 * sheet gives its header row, comments and name; the row may be one streamed from the file.
 */
export function taskContext(sheet: SheetTable, layout: SheetLayout, row: SheetRow, source: { col: number; language?: string }, field?: TextField): TaskContext {
  const sourceCol = source.col;
  const text = rowText(row);
  // Most sheets have no comments: no key string made per row for them.
  const comment = sheet.comments.size ? sheet.comments.get(cellKey(row.row, sourceCol))?.trim() : undefined;
  const allNotes = layout.noteColumns.flatMap((col) => labelled(headerOf(sheet, layout, col), text(col)));
  const notes = allNotes.slice(0, MAX_NOTE_COLUMNS);
  const context: TaskContext = { sheet: sheet.name, column: headerOf(sheet, layout, sourceCol) };
  const key = text(layout.keyColumn);
  if (key) context.key = key;
  if (comment) context.comment = comment;
  if (notes.length) context.notes = notes;
  // A length hint counts from any note column, sent or not: it is one number in the context.
  const maxLength = lengthLimit(maxLengthCell(sheet, field?.maxLengthColumn ?? layout.maxLengthColumn, row), comment, ...allNotes);
  if (maxLength) context.maxLength = maxLength;
  if (field?.name) Object.assign(context, fieldContext(layout, field, source.language ?? '', text));
  return context;
}

/** `field` and the row's other fields, so a description is translated knowing what it describes. */
function fieldContext(layout: SheetLayout, field: TextField, sourceLang: string, text: (col: number) => string | undefined): Pick<TaskContext, 'field' | 'fields'> {
  const others: Array<[string, string]> = [];
  for (const other of layout.fields ?? []) {
    if (others.length >= MAX_FIELD_CONTEXT) break;
    if (other === field || !other.name) continue;
    const members = [...other.members.filter((m) => languagesMatch(sourceLang, m.language) >= 2), ...other.members];
    const value = members.map((m) => text(m.col)).find((v) => v !== undefined);
    if (value) others.push([other.name, value.length > MAX_FIELD_CHARS ? `${value.slice(0, MAX_FIELD_CHARS)}…` : value]);
  }
  return others.length ? { field: field.name, fields: Object.fromEntries(others) } : { field: field.name };
}

/** The context with these references (none: the context itself). */
export function withReferences(context: TaskContext, refs: Record<string, string> | undefined): TaskContext {
  return refs ? { ...context, refs } : context;
}

function labelled(header: string, value: string | undefined): string[] {
  if (!value) return [];
  return [header ? `${header}: ${value}` : value];
}

/** A max-length cell: its number when Excel stored one (numbers are not text in the sheet model), else its text. */
export function maxLengthCell(sheet: SheetTable, col: number | undefined, row: SheetRow): unknown {
  if (col === undefined) return undefined;
  return row.numbers?.get(col) ?? sheet.numbers?.get(cellKey(row.row, col)) ?? row.cells[col];
}

function headerOf(sheet: SheetTable, layout: SheetLayout, col: number): string {
  const value = sheet.rows[layout.headerRow]?.[col];
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * The part of the context that changes what a correct translation is: comment, notes, length
 * limit, the row's other fields, and the references in `keyedRefLanguages` (pivot columns that are not targets of the
 * job; a human translation in another target column is sent but does not split a text). Only the
 * references the context holds count, which are the ones sent: a language cell that is not sent
 * never splits a text. The key and sheet do not (identical UI words under different keys
 * translate alike).
 */
export function dedupeContext(context: TaskContext, keyedRefLanguages: ReadonlySet<string> = new Set()): string {
  // Built by hand, not with entries/map/join: this runs for every row of a sheet.
  let key = context.comment ?? '';
  for (const note of context.notes ?? []) key += `\u0001${note}`;
  key += `\u0001${context.maxLength ?? ''}`;
  for (const lang in context.refs) if (keyedRefLanguages.has(lang)) key += `\u0001${lang}=${context.refs[lang]}`;
  for (const name in context.fields) key += `\u0001${name}=${context.fields[name]}`;
  return key;
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
 * The key as the prompt carries it beside `sourceText`: none when it says nothing, or only what
 * the text says (`ChannelLayout` beside "Channel layout", `Cancel` beside "Cancel"), which string
 * tables generated from source strings are full of.
 */
function sentKey(key: string | undefined, sourceText: string | undefined): string | undefined {
  if (!key || !isInformativeKey(key)) return undefined;
  return sourceText !== undefined && lettersOf(key) === lettersOf(sourceText) ? undefined : key;
}

const lettersOf = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * A stored context as the prompt carries it into `targetLang` beside `sourceText`: an
 * uninformative key, sheet name or column header dropped, and no reference in the target language
 * itself (with --overwrite that is the old translation; jobs stored before references were
 * chosen per target hold it).
 */
export function promptContext(stored: string | TaskContext | null | undefined, targetLang: string, sourceText?: string): ItemContext | undefined {
  if (!stored) return undefined;
  const { sheet, column, key, comment, notes, maxLength, refs, fields } = typeof stored === 'string' ? parseTaskContext(stored) : stored;
  const context: ItemContext = { comment, notes: withFields(notes, fields), maxLength };
  if (sheet && isInformativeSheet(sheet)) context.sheet = sheet;
  if (column && isInformativeHeader(column)) context.column = column;
  const sent = sentKey(key, sourceText);
  if (sent) context.key = sent;
  const kept = Object.entries(refs ?? {}).filter(([lang]) => languagesMatch(targetLang, lang) === 0);
  if (kept.length) context.refs = Object.fromEntries(kept);
  return context;
}

/** The row's other fields go to the model as notes, `name: 剣`: what the item is, beside its text. */
function withFields(notes: string[] | undefined, fields: Record<string, string> | undefined): string[] | undefined {
  if (!fields) return notes;
  return [...(notes ?? []), ...Object.entries(fields).map(([name, text]) => `${name}: ${text}`)];
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

/** Estimated tokens of what is sent per item beside `sourceText` (sheet and column go once per batch). */
export function itemContextTokens(context: TaskContext, sourceText?: string): number {
  const key = sentKey(context.key, sourceText) ?? '';
  const refs = Object.values(context.refs ?? {}).join('');
  const notes = withFields(context.notes, context.fields)?.join('') ?? '';
  const parts = `${key}${context.comment ?? ''}${notes}${refs}`;
  if (!parts && !context.maxLength) return 0;
  // Field names and JSON framing: {"text":…,"key":…} ≈ 4 tokens per field; references go as a
  // list in the batch's shared language order, `"ref":["…","…"]`, ≈ 1 more per reference.
  const refCount = Object.keys(context.refs ?? {}).length;
  const fields = Number(!!key) + Number(!!context.comment) + Number(!!notes) + Number(refCount > 0) + Number(!!context.maxLength) + 1;
  return estimateTokens(parts) + 4 * fields + refCount;
}
