/**
 * Field families: the text fields of a game-data sheet.
 *
 * A row of a game table is an item, a skill or a character and carries several texts (name,
 * detail, textPhase…), each in several languages. Columns sharing a stem and differing by a
 * language affix are one field, translated on its own (its own source, its own targets):
 *   suffix   `name_JP | name_EN | name`, `Desc_CN | Desc_EN`, `title-zh | title-en`, `Name EN`
 *   prefix   `EN_desc | CN_desc`
 *   paren    `Name (EN) | Name (FR)`
 *   bracket  `[zh] Title | [en] Title`
 *   bare     `CH | EN | TH`: no stem, the one field of a classic string table, as before.
 * The unsuffixed member (`name` beside `name_JP`) holds the sheet's default language: read from
 * its own cells' script, else from all the sheet's unsuffixed members together, else from the
 * other sheets of the workbook (fillDefaultLanguages); still unknown, it is left out (never a
 * source or target). Not families: `name_id` (id is never a language), `item_name`, `desc_en2`,
 * `item_no` (lower-case English words are no affix). A note-like header with an affix
 * (`desc-en`) is a field only beside another member; alone it stays a note.
 *
 * Content decides what is never text: a column of comma-joined ids (`class,hidden`) is no
 * language column whatever its header says (type rows are skipped by analyseSheet). In a sheet
 * with named fields, a column whose language only its content suggests and that belongs to no
 * field (Elin's `filter` holding a stray Japanese line) is data, not a field.
 *
 * What cannot be read without a guess throws BAD_LAYOUT: two members of a field claiming one
 * language by their headers, stems differing only by case (`Name_EN`, `name_JP`).
 */
import { FanyiError } from '../errors.ts';
import { parseAffixedHeader, styleOf, type AffixedHeader, type AffixStyle } from './field-affixes.ts';
import { guessLanguageFromTexts } from './guess-language.ts';
import { languagesMatch } from './language-codes.ts';
import type { LanguageColumn, SheetLayout } from './language-columns.ts';
import { columnTexts, countFilled, type SheetTable } from './sheet-model.ts';

/** One text field of a sheet: its language columns, and how to name a new one. */
export interface TextField {
  /** The stem (`name` for `name_JP`/`name`); '' for the bare language columns of a string table. */
  name: string;
  /** Its language columns, by column. */
  members: LanguageColumn[];
  /** The family's affix style; undefined for the bare field (new columns are headed by the code). */
  style?: AffixStyle;
  /** A max-length column named after the field (`detail_maxlen`): it limits this field's texts only. */
  maxLengthColumn?: number;
  /** An unsuffixed member whose language neither it nor its sheet shows yet (see fillDefaultLanguages). */
  pendingDefault?: { col: number; header: string };
}

interface Family {
  stem: string;
  affixed: Array<{ col: number; header: string; parsed: AffixedHeader }>;
  plainCol?: number;
}

/** Groups the layout's language columns into fields, adding affixed and unsuffixed members analysis missed. */
export function groupFields(layout: SheetLayout, sheet: SheetTable, headers: readonly string[]): void {
  const families = findFamilies(layout, headers);
  for (const family of families) addMembers(layout, sheet, family);
  resolveSheetDefault(layout, sheet, families);
  dropIdLists(layout, sheet);
  if (families.length) dropStrayContentColumns(layout, families);
  layout.fields = buildFields(layout, families);
  assignLengthColumns(layout, layout.fields, headers);
}

/**
 * A length column named after a field (`name_max_len`, `detailMaxLen`, `maxlen_detail`) limits
 * that field only; the sheet-wide limit is the first length column no field owns. The longest
 * stem wins (`textPhase_maxlen` is textPhase's, not text's).
 */
function assignLengthColumns(layout: SheetLayout, fields: TextField[], headers: readonly string[]): void {
  const columns = layout.lengthColumns ?? [];
  const owned = new Set<number>();
  for (const col of columns) {
    const owner = fields.filter((f) => f.name && namesField(headers[col] ?? '', f.name)).sort((a, b) => b.name.length - a.name.length)[0];
    if (!owner || owner.maxLengthColumn !== undefined) continue;
    owner.maxLengthColumn = col;
    owned.add(col);
  }
  layout.maxLengthColumn = columns.find((col) => !owned.has(col));
}

/** `name_max_len`, `nameMaxLen`, `max_len_name`: the stem, then a separator or a capital (or the reverse). */
function namesField(header: string, stem: string): boolean {
  const [h, s] = [header.toLowerCase(), stem.toLowerCase()];
  if (h.startsWith(s)) return /^[_.\- ]|^[A-Z]/.test(header.slice(stem.length));
  return h.endsWith(s) && /[_.\- ]$/.test(header.slice(0, -stem.length));
}

function findFamilies(layout: SheetLayout, headers: readonly string[]): Family[] {
  const byStem = new Map<string, Family>();
  headers.forEach((header, col) => {
    const parsed = parseAffixedHeader(header);
    if (!parsed) return;
    const key = parsed.stem.toLowerCase();
    const family = byStem.get(key) ?? { stem: parsed.stem, affixed: [] };
    if (family.stem !== parsed.stem) throw caseClash(layout, family, header);
    family.affixed.push({ col, header, parsed });
    byStem.set(key, family);
  });
  const families = [...byStem.values()].filter((family) => isField(layout, family));
  for (const family of families) {
    const plain = headers.findIndex((header) => header === family.stem);
    if (plain >= 0) family.plainCol = plain;
    checkClaims(layout, family);
  }
  return families;
}

/** A lone affixed header already read as a key, note or length column (`desc-en`) stays one. */
function isField(layout: SheetLayout, family: Family): boolean {
  if (family.affixed.length > 1) return true;
  const col = family.affixed[0].col;
  return !(layout.keyColumn === col || layout.maxLengthColumn === col || layout.noteColumns.includes(col));
}

function addMembers(layout: SheetLayout, sheet: SheetTable, family: Family): void {
  for (const { col, header, parsed } of family.affixed) claim(layout, { col, header, language: parsed.language, by: 'header', filled: 0 });
  if (family.plainCol === undefined) return;
  const language = guessLanguageFromTexts(columnTexts(sheet, layout.firstDataRow, family.plainCol));
  const header = family.stem;
  if (language) claim(layout, { col: family.plainCol, header, language, by: 'content', filled: 0 });
  else unclassify(layout, family.plainCol);
}

/** Makes `column` a language column, no longer a key, note or length column. */
function claim(layout: SheetLayout, column: LanguageColumn): void {
  unclassify(layout, column.col);
  layout.languageColumns = layout.languageColumns.filter((c) => c.col !== column.col).concat(column);
}

function unclassify(layout: SheetLayout, col: number): void {
  if (layout.keyColumn === col) layout.keyColumn = undefined;
  if (layout.maxLengthColumn === col) layout.maxLengthColumn = undefined;
  if (layout.lengthColumns) layout.lengthColumns = layout.lengthColumns.filter((c) => c !== col);
  layout.noteColumns = layout.noteColumns.filter((c) => c !== col);
  layout.languageColumns = layout.languageColumns.filter((c) => c.col !== col);
}

/** Unsuffixed members too short to read alone: read together (one sheet has one default language). */
function resolveSheetDefault(layout: SheetLayout, sheet: SheetTable, families: Family[]): void {
  const pending = families.map((f) => f.plainCol).filter((col): col is number => col !== undefined && !isLanguageColumn(layout, col));
  if (!pending.length) return;
  const language = guessLanguageFromTexts(pending.flatMap((col) => columnTexts(sheet, layout.firstDataRow, col)));
  if (!language) return;
  for (const col of pending) claim(layout, { col, header: headerAt(families, col), language, by: 'content', filled: 0 });
}

const isLanguageColumn = (layout: SheetLayout, col: number): boolean => layout.languageColumns.some((c) => c.col === col);
const headerAt = (families: Family[], col: number): string => families.find((f) => f.plainCol === col)?.stem ?? '';

/** Comma-joined identifiers (`class,hidden`, `featRoran/1,featGrowParts`): ids, never text. */
const ID_LIST = /^[\w./#@:+-]+(?:\s*[,|;]\s*[\w./#@:+-]+)*$/;

function dropIdLists(layout: SheetLayout, sheet: SheetTable): void {
  layout.languageColumns = layout.languageColumns.filter((column) => !isIdList(columnTexts(sheet, layout.firstDataRow, column.col)));
}

/** Every cell an identifier list and at least half of them lists: single words alone could be UI text. */
export function isIdList(texts: readonly string[]): boolean {
  if (!texts.length || !texts.every((text) => ID_LIST.test(text.trim()))) return false;
  return texts.filter((text) => /[,|;]/.test(text)).length * 2 >= texts.length;
}

function dropStrayContentColumns(layout: SheetLayout, families: Family[]): void {
  const members = new Set(families.flatMap((f) => [...f.affixed.map((a) => a.col), ...(f.plainCol === undefined ? [] : [f.plainCol])]));
  layout.languageColumns = layout.languageColumns.filter((c) => c.by === 'header' || members.has(c.col));
}

function buildFields(layout: SheetLayout, families: Family[]): TextField[] {
  const byCol = new Map(layout.languageColumns.map((c) => [c.col, c]));
  const fields: TextField[] = families.map((family) => {
    const cols = [...family.affixed.map((a) => a.col), ...(family.plainCol === undefined ? [] : [family.plainCol])];
    const field: TextField = { name: family.stem, members: cols.flatMap((col) => byCol.get(col) ?? []), style: styleOf(family.affixed.map((a) => a.parsed)) };
    if (family.plainCol !== undefined && !byCol.has(family.plainCol)) field.pendingDefault = { col: family.plainCol, header: family.stem };
    for (const col of cols) byCol.delete(col);
    return field;
  });
  if (byCol.size) fields.push({ name: '', members: [...byCol.values()] });
  for (const field of fields) field.members.sort((a, b) => a.col - b.col);
  return fields.filter((f) => f.members.length || f.pendingDefault).sort((a, b) => firstCol(a) - firstCol(b));
}

const firstCol = (field: TextField): number => Math.min(...field.members.map((m) => m.col), field.pendingDefault?.col ?? Infinity);

/**
 * Unsuffixed members no sheet showed the language of (Elin's one-row `Chara` sheet) take the
 * language the workbook's other unsuffixed members share; a workbook is written by one team in
 * one default language. Without one they stay out: never a source, never a target.
 */
export function fillDefaultLanguages(layouts: SheetLayout[], sheets: readonly SheetTable[]): void {
  const known = layouts.flatMap((l) => (l.fields ?? []).flatMap((f) => f.members.filter((m) => m.by === 'content' && m.header === f.name && f.name)));
  const languages = new Set(known.map((m) => m.language));
  if (languages.size !== 1) return;
  const [language] = languages;
  for (const layout of layouts) {
    for (const field of layout.fields ?? []) {
      if (!field.pendingDefault) continue;
      const { col, header } = field.pendingDefault;
      const column: LanguageColumn = { col, header, language, by: 'content', filled: countFilled(sheets[layout.sheetIndex], layout.firstDataRow, col) };
      field.members = [...field.members, column].sort((a, b) => a.col - b.col);
      layout.languageColumns = [...layout.languageColumns, column].sort((a, b) => a.col - b.col);
      delete field.pendingDefault;
    }
  }
}

function checkClaims(layout: SheetLayout, family: Family): void {
  family.affixed.forEach((a, i) => {
    const twin = family.affixed.slice(i + 1).find((b) => languagesMatch(a.parsed.language, b.parsed.language) >= 2);
    if (twin) {
      throw new FanyiError('BAD_LAYOUT', `sheet '${layout.sheetName}': columns '${a.header}' and '${twin.header}' both claim to be '${family.stem}' in ${a.parsed.language}; rename or remove one of them`);
    }
  });
}

function caseClash(layout: SheetLayout, family: Family, header: string): FanyiError {
  return new FanyiError('BAD_LAYOUT', `sheet '${layout.sheetName}': '${family.affixed[0].header}' and '${header}' name fields that differ only by case ('${family.stem}' vs '${parseAffixedHeader(header)?.stem}'); write the field name the same way in both`);
}
