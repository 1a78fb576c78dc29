import type { SheetLayout } from '../workbook/language-columns.ts';
import { cellKey, type SheetTable } from '../workbook/sheet-model.ts';

/** What a translator would want to know about one cell (seed 000 §3.2.4). */
export interface TaskContext {
  sheet: string;
  column: string;
  key?: string;
  comment?: string;
  notes?: string[];
  maxLength?: number;
}

const LENGTH_HINT = /(?:max(?:imum)?\.?\s*(\d+)\s*(?:chars?|characters?|letters?)?|(\d+)\s*(?:chars?|characters?)\s*max|最多\s*(\d+)\s*(?:个)?(?:字符|字|文字)|(\d+)\s*(?:字符|字|文字)以内)/i;

export function taskContext(sheet: SheetTable, layout: SheetLayout, row: number, sourceCol: number): TaskContext {
  const cells = sheet.rows[row] ?? [];
  const text = (col: number | undefined) => {
    const value = col === undefined ? undefined : cells[col];
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
  const comment = sheet.comments.get(cellKey(row, sourceCol));
  const notes = layout.noteColumns.map(text).filter((v): v is string => !!v);
  const context: TaskContext = { sheet: sheet.name, column: headerOf(sheet, layout, sourceCol) };
  const key = text(layout.keyColumn);
  if (key) context.key = key;
  if (comment) context.comment = comment.trim();
  if (notes.length) context.notes = notes;
  const maxLength = lengthLimit(cells[layout.maxLengthColumn ?? -1], comment, notes);
  if (maxLength) context.maxLength = maxLength;
  return context;
}

function headerOf(sheet: SheetTable, layout: SheetLayout, col: number): string {
  const value = sheet.rows[layout.headerRow]?.[col];
  return typeof value === 'string' ? value.trim() : '';
}

function lengthLimit(column: unknown, comment: string | undefined, notes: string[]): number | undefined {
  const fromColumn = typeof column === 'string' ? Number.parseInt(column, 10) : undefined;
  if (fromColumn && fromColumn > 0) return fromColumn;
  for (const text of [comment, ...notes]) {
    const match = text ? LENGTH_HINT.exec(text) : null;
    const value = match?.slice(1).find(Boolean);
    if (value) return Number(value);
  }
  return undefined;
}

/**
 * The part of the context that changes what a correct translation is. The key and sheet do not
 * (identical UI words under different keys translate alike), so they stay out of the dedupe key.
 */
export function dedupeContext(context: TaskContext): string {
  return [context.comment ?? '', ...(context.notes ?? []), context.maxLength ?? ''].join('\u0001');
}
