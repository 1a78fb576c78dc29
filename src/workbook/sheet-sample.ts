/**
 * A sheet scanned for planning: its first rows held as they are (header, meta rows and enough
 * content for every layout decision that looks at cells), the rest summarized as it streams by
 * (counts per column, a few hundred texts per column, which columns leave gaps beside which),
 * so analysis reads a million-row sheet in the memory of a thousand rows. The split then reads
 * the rows again from the file (WorkbookScan.rows).
 */
import { cellKey, detached, isDataRow, NON_TEXT, type CellValue, type RowSummary, type SheetRow, type SheetTable } from './sheet-model.ts';

/** Rows held whole: the header is looked for in the first 12, meta rows follow it, language guesses read 200 texts a column. */
export const HEAD_ROWS = 1_000;
/** Texts kept per column of the summarized rows: what columnTexts asks for at most. */
const TEXTS_PER_COLUMN = 200;
/** Distinct row shapes remembered so that repeated ones skip the gap bookkeeping; forgotten (and relearned) past this. */
const MAX_SHAPES = 10_000;

/** Cell kinds, as the summary tells them apart. */
const EMPTY = 0;
const BLANK = 1;
const TEXT = 2;
const OTHER = 3;

const kindOf = (value: CellValue | undefined): number =>
  value === null || value === undefined ? EMPTY : value === NON_TEXT ? OTHER : value.trim() ? TEXT : BLANK;

/** The rows past the head, summarized; see RowSummary for what each answer means. */
export class TailSummary implements RowSummary {
  rowCount = 0;
  lastUsedColumn = -1;
  contentRows = 0;
  readonly #filledText: number[] = [];
  readonly #filledRows: number[] = [];
  readonly #used: boolean[] = [];
  readonly #texts: string[][] = [];
  /** `source * GAP_STRIDE + col` for every pair with a gap inside the rows' lengths. */
  readonly #gaps = new Set<number>();
  /** Per source column, the shortest row holding text there: every column at or past it has a gap. */
  readonly #gapsFrom: number[] = [];
  readonly #shapes = new Set<string>();

  add(row: SheetRow): void {
    const { cells } = row;
    this.rowCount = Math.max(this.rowCount, row.row + 1);
    const isData = isDataRow(cells);
    let shape = '';
    let hasContent = false;
    for (let col = 0; col < cells.length; col++) {
      const kind = kindOf(cells[col]);
      shape += kind;
      if (kind === EMPTY) continue;
      this.#used[col] = true;
      if (col > this.lastUsedColumn) this.lastUsedColumn = col;
      if (kind === BLANK) continue;
      hasContent = true;
      this.#filledRows[col] = (this.#filledRows[col] ?? 0) + 1;
      if (kind !== TEXT) continue;
      if (isData) this.#filledText[col] = (this.#filledText[col] ?? 0) + 1;
      const texts = (this.#texts[col] ??= []);
      // Detached: a CSV field is a slice of its 1 MB chunk, which a kept slice would keep alive.
      if (texts.length < TEXTS_PER_COLUMN) texts.push(detached(cells[col] as string));
    }
    if (hasContent) this.contentRows++;
    if (!this.#shapes.has(shape)) this.#learnGaps(shape);
  }

  filledText(col: number): number {
    return this.#filledText[col] ?? 0;
  }

  filledRows(col: number): number {
    return this.#filledRows[col] ?? 0;
  }

  texts(col: number): readonly string[] {
    return this.#texts[col] ?? [];
  }

  isUsed(col: number): boolean {
    return this.#used[col] ?? false;
  }

  hasGap(source: number, col: number): boolean {
    return col >= (this.#gapsFrom[source] ?? Infinity) || this.#gaps.has(source * GAP_STRIDE + col);
  }

  /** A row shape not seen lately: which text columns it leaves a gap beside. */
  #learnGaps(shape: string): void {
    if (this.#shapes.size >= MAX_SHAPES) this.#shapes.clear();
    this.#shapes.add(shape);
    for (let source = 0; source < shape.length; source++) {
      const kind = Number(shape[source]);
      if (kind !== TEXT && kind !== BLANK) continue;
      this.#gapsFrom[source] = Math.min(this.#gapsFrom[source] ?? Infinity, shape.length);
      for (let col = 0; col < shape.length; col++) {
        const other = Number(shape[col]);
        if (other === EMPTY || other === BLANK) this.#gaps.add(source * GAP_STRIDE + col);
      }
    }
  }
}

/** Columns are numbered below Excel's 16,384, so a pair fits one number. */
const GAP_STRIDE = 1 << 15;

/** Builds a scanned SheetTable from rows as they stream by: the first HEAD_ROWS held, the rest summarized. */
export class SheetSampler {
  readonly #rows: Array<readonly CellValue[]> = [];
  readonly #numbers = new Map<string, number>();
  readonly #tail = new TailSummary();
  #summarized = false;

  add(row: SheetRow): void {
    if (row.row >= HEAD_ROWS) {
      this.#tail.add(row);
      this.#summarized = true;
      return;
    }
    this.#rows[row.row] = row.cells;
    for (const [col, value] of row.numbers ?? []) this.#numbers.set(cellKey(row.row, col), value);
  }

  /** The sheet as analysis reads it; `tail` only when rows were summarized, so a small sheet is held whole. */
  table(init: Pick<SheetTable, 'name' | 'index' | 'hidden' | 'comments' | 'merges'>): SheetTable {
    return { ...init, rows: this.#rows, numbers: this.#numbers, ...(this.#summarized ? { tail: this.#tail } : {}) };
  }
}
