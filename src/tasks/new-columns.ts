/**
 * Where and under what header a target language that a field lacks gets its column. Existing
 * cells are never shifted: moving them would break formulas, merges, references elsewhere in the
 * workbook and the loaders of game tables, which key on headers.
 */
import { affixFor, headerFromTemplate, headerInStyle, longAffixFor } from '../workbook/field-affixes.ts';
import type { TextField } from '../workbook/field-families.ts';
import type { SheetLayout } from '../workbook/language-columns.ts';
import { isUnusedColumn, type SheetTable } from '../workbook/sheet-model.ts';

/** Hands out new columns for one sheet, in the order asked (field order, then language). */
export interface ColumnAllocator {
  /** The next free column and its header for `language` in `field`. */
  next(field: TextField | undefined, language: string): { col: number; header?: string };
}

/**
 * A string table's new columns go into the first wholly empty columns after its last language
 * column, as they always have; a sheet with named fields gets them after its last used column,
 * so no gap between a game table's data columns is filled by a translation.
 */
export function newColumnAllocator(layout: SheetLayout, sheet: SheetTable, template?: string): ColumnAllocator {
  const hasNamedFields = (layout.fields ?? []).some((f) => f.name);
  let cursor = hasNamedFields ? layout.lastUsedColumn + 1 : Math.max(...layout.languageColumns.map((c) => c.col)) + 1;
  const taken = new Set((sheet.rows[layout.headerRow] ?? []).map((v) => (typeof v === 'string' ? v.trim() : '')));
  return {
    next(field, language) {
      while (!isUnusedColumn(sheet, cursor)) cursor++;
      const header = newHeader(field, language, taken, template);
      if (header) taken.add(header);
      return { col: cursor++, header };
    },
  };
}

/**
 * `<stem><separator><code>` in the family's style (`name_PT`, `PT_desc`, `Name (PT)`, `title-pt-br`),
 * the `--column-name` template when given (`{field}`, `{code}`), and none for a string table's
 * columns (they are headed by the code, `pt-BR`, as before). A short game code already in use (`PT` for pt-PT beside
 * a new pt-BR column) gives way to the long one (`PTPT`).
 */
function newHeader(field: TextField | undefined, language: string, taken: ReadonlySet<string>, template?: string): string | undefined {
  if (!field?.name || !field.style) return undefined;
  if (template) return headerFromTemplate(template, field.name, language);
  const short = headerInStyle(field.name, affixFor(language, field.style.codeCase), field.style);
  return taken.has(short) ? headerInStyle(field.name, longAffixFor(language, field.style.codeCase), field.style) : short;
}
