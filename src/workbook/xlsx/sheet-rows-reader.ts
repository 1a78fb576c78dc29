/**
 * The sheet part read as a stream of rows (saxes events in, one row's cells out at `</row>`),
 * with the sheet-level facts analysis reads: merged ranges and hyperlinked cells. Cell values
 * follow what the exceljs model gave: text (shared, inline, rich: runs joined) is a string;
 * numbers, booleans, dates, errors and formulas are NON_TEXT, with numeric values kept beside.
 */
import { columnOf } from '../cell-address.ts';
import { NON_TEXT, type CellValue, type SheetRow } from '../sheet-model.ts';
import { RichTextReader } from './rich-text-reader.ts';
import { detached, type XmlHandler } from './xml-stream.ts';

export type { SheetRow };

export interface SheetRowsEvents {
  row(row: SheetRow): void;
  merge(ref: string): void;
  hyperlink(ref: string): void;
}

export class SheetRowsReader implements XmlHandler {
  readonly #sharedStrings: readonly string[];
  readonly #on: SheetRowsEvents;
  #row = -1;
  #cells: CellValue[] = [];
  #numbers: Map<number, number> | undefined;
  #hasValue = false;
  #col = -1;
  #type = '';
  #hasFormula = false;
  #value = '';
  #inValue = false;
  #inline: RichTextReader | undefined;

  constructor(sharedStrings: readonly string[], events: SheetRowsEvents) {
    this.#sharedStrings = sharedStrings;
    this.#on = events;
  }

  get wantsText(): boolean {
    return this.#inValue || (this.#inline?.wantsText ?? false);
  }

  open(name: string, attributes: Readonly<Record<string, string>>): void {
    if (this.#inline) return this.#inline.open(name);
    switch (name) {
      case 'row':
        this.#row = attributes.r ? Number(attributes.r) - 1 : this.#row + 1;
        this.#cells = [];
        this.#numbers = undefined;
        this.#hasValue = false;
        this.#col = -1;
        return;
      case 'c':
        this.#col = attributes.r ? columnOf(attributes.r) : this.#col + 1;
        this.#type = attributes.t ?? 'n';
        this.#hasFormula = false;
        this.#value = '';
        return;
      case 'v':
        this.#inValue = true;
        return;
      case 'f':
        this.#hasFormula = true;
        return;
      case 'is':
        this.#inline = new RichTextReader();
        return;
      case 'mergeCell':
        if (attributes.ref) this.#on.merge(attributes.ref);
        return;
      case 'hyperlink':
        if (attributes.ref) this.#on.hyperlink(attributes.ref);
        return;
    }
  }

  close(name: string): void {
    if (this.#inline) {
      if (name !== 'is') return this.#inline.close(name);
      this.#value = this.#inline.take();
      this.#inline = undefined;
      return;
    }
    if (name === 'v') this.#inValue = false;
    else if (name === 'c') this.#endCell();
    // slice(): an exact-size copy; the growing array has room for ~16 cells, 2x the memory of a 6-column row.
    else if (name === 'row' && this.#hasValue) this.#on.row({ row: this.#row, cells: this.#cells.slice(), numbers: this.#numbers });
  }

  text(text: string): void {
    if (this.#inline) this.#inline.text(text);
    else this.#value += text;
  }

  #endCell(): void {
    const value = this.#cellValue();
    if (value === undefined) return;
    this.#cells[this.#col] = value;
    this.#hasValue = true;
  }

  /** undefined for a cell without a value (a styled blank), which exceljs's model skipped too. */
  #cellValue(): CellValue | undefined {
    const type = this.#type;
    if (this.#hasFormula) {
      if (type === 'n' && this.#value !== '') this.#number(Number(this.#value));
      return NON_TEXT;
    }
    switch (type) {
      case 's': {
        if (this.#value === '') return undefined;
        const text = this.#sharedStrings[Number(this.#value)];
        return text ? text : null;
      }
      case 'inlineStr':
      case 'str':
        return this.#value === '' ? null : detached(this.#value);
      case 'n':
        if (this.#value === '') return undefined;
        this.#number(Number(this.#value));
        return NON_TEXT;
      default: // b, e, d: booleans, errors, dates
        return this.#value === '' ? undefined : NON_TEXT;
    }
  }

  #number(value: number): void {
    if (!Number.isFinite(value)) return;
    (this.#numbers ??= new Map()).set(this.#col, value);
  }
}
