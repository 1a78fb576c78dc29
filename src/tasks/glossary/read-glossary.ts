import path from 'node:path';
import { FanyiError } from '../../errors.ts';
import { languageFromHeader } from '../../workbook/language-headers.ts';
import { readWorkbook } from '../../workbook/read-workbook.ts';
import { DEFAULT_READ_LIMITS, type CellValue, type SheetTable } from '../../workbook/sheet-model.ts';
import { makeGlossary, type Glossary, type GlossaryEntry } from './glossary.ts';

const DNT_HEADER = /\b(dnt|do[\s_-]*not[\s_-]*translate|don'?t[\s_-]*translate|no[\s_-]*translat\w*|untranslatable|keep[\s_-]*as[\s_-]*is)\b|不翻译|不譯|不译|禁译|保留原文|翻訳しない/i;
const NOTE_HEADER = /^(note|notes|comment|comments|description|desc|remark|remarks|context|usage|definition)\b|备注|说明|注释|描述|メモ|説明/i;
const TRUTHY = /^(1|y|yes|true|x|✓|✔|√|dnt|是|对|●)$/i;
const HEADER_SCAN_ROWS = 10;

/** Where each kind of column is in a glossary sheet (0-based). */
interface GlossaryColumns {
  headerRow: number;
  source: number;
  languages: Array<{ col: number; language: string }>;
  note?: number;
  dnt?: number;
}

/**
 * Reads a glossary (`.csv`, `.tsv` or `.xlsx`, first sheet with a header): the source term
 * first, then one column per language named by its header like a string table's (`EN`, `pt-BR`,
 * `Português`), an optional note column and an optional do-not-translate flag column (`DNT`:
 * 1/yes/x/✓).
 */
export async function readGlossary(file: string): Promise<Glossary> {
  const document = await readWorkbook(file, DEFAULT_READ_LIMITS);
  for (const sheet of document.sheets) {
    const columns = glossaryColumns(sheet);
    if (columns) return makeGlossary(readEntries(sheet, columns));
  }
  throw new FanyiError('USAGE', `${path.basename(file)} is not a glossary: put the source term in the first column and name each language in the header row (e.g. term, EN, pt-BR, note, DNT)`);
}

function glossaryColumns(sheet: SheetTable): GlossaryColumns | undefined {
  for (let row = 0; row < Math.min(HEADER_SCAN_ROWS, sheet.rows.length); row++) {
    const headers = (sheet.rows[row] ?? []).map((v) => (typeof v === 'string' ? v.trim() : ''));
    const columns = classify(headers, row);
    if (columns) return columns;
  }
  return undefined;
}

/** A header row has a source column and at least one language or do-not-translate column. */
function classify(headers: string[], headerRow: number): GlossaryColumns | undefined {
  const columns: GlossaryColumns = { headerRow, source: -1, languages: [] };
  headers.forEach((header, col) => {
    if (!header) return;
    if (DNT_HEADER.test(header)) columns.dnt ??= col;
    else if (NOTE_HEADER.test(header)) columns.note ??= col;
    else if (columns.source < 0) columns.source = col;
    else {
      const language = languageFromHeader(header);
      if (language) columns.languages.push({ col, language });
    }
  });
  return columns.source >= 0 && (columns.languages.length || columns.dnt !== undefined) ? columns : undefined;
}

function readEntries(sheet: SheetTable, columns: GlossaryColumns): GlossaryEntry[] {
  const entries = new Map<string, GlossaryEntry>();
  for (let row = columns.headerRow + 1; row < sheet.rows.length; row++) {
    const cells = sheet.rows[row] ?? [];
    const source = text(cells[columns.source]);
    if (!source) continue;
    const entry: GlossaryEntry = { source, targets: {}, doNotTranslate: TRUTHY.test(text(cells[columns.dnt ?? -1]) ?? '') || isNumericFlag(sheet, row, columns.dnt) };
    for (const { col, language } of columns.languages) {
      const target = text(cells[col]);
      if (target) entry.targets[language] = target;
    }
    const note = text(cells[columns.note ?? -1]);
    if (note) entry.note = note;
    // A later line for the same term wins, as in a spreadsheet someone kept appending to.
    if (entry.doNotTranslate || Object.keys(entry.targets).length) entries.set(source, entry);
  }
  return [...entries.values()];
}

/** Excel stores a typed `1` as a number, which the sheet model keeps apart from text. */
function isNumericFlag(sheet: SheetTable, row: number, col: number | undefined): boolean {
  return col !== undefined && sheet.numbers?.get(`${row}:${col}`) === 1;
}

function text(value: CellValue | undefined): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
