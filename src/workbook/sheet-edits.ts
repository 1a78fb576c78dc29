/**
 * The edits a write-back applies, a sheet at a time and each sheet's in row order, so the xlsx and
 * CSV patchers hold a window of rows rather than every result of a job (issue 16: at a million
 * rows, grouping 3,000,000 results by row held most of the run's peak). The store pages a sheet's
 * results in row order (JobReadViews.writableResults with `sheet`); edits given in any other order
 * are grouped and sorted in memory first ({@link heldSheetEdits}), as before.
 */

/** One cell to set, 0-based; a later edit of the same cell wins. */
export interface CellEdit {
  sheetName: string;
  row: number;
  col: number;
  text: string;
}

/** Where a sheet's edits lie: 0-based rows and columns, inclusive. */
export interface EditBounds {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface SheetEdits {
  /** The sheets with edits, and where their edits lie (a patched sheet's `<dimension>`). */
  sheets(): Promise<Map<string, EditBounds>>;
  /** One sheet's edits, rows ascending (a row's cells in any order; a later edit of a cell wins). */
  cells(sheetName: string): AsyncIterable<CellEdit>;
}

export function isSheetEdits(edits: unknown): edits is SheetEdits {
  return typeof (edits as SheetEdits).sheets === 'function' && typeof (edits as SheetEdits).cells === 'function';
}

/** Edits in any order, grouped by sheet and sorted by row in memory: for callers with a handful of edits. */
export async function heldSheetEdits(edits: Iterable<CellEdit> | AsyncIterable<CellEdit>): Promise<SheetEdits> {
  const bySheet = new Map<string, CellEdit[]>();
  for await (const edit of edits) {
    const list = bySheet.get(edit.sheetName);
    if (list) list.push(edit);
    else bySheet.set(edit.sheetName, [edit]);
  }
  // A stable sort: of two edits of one cell, the later still comes later.
  for (const list of bySheet.values()) list.sort((a, b) => a.row - b.row);
  return {
    sheets: async () => new Map([...bySheet].map(([name, list]) => [name, boundsOf(list)!])),
    cells: (sheetName) => fromArray(bySheet.get(sheetName) ?? []),
  };
}

/** The bounds of both (either may be undefined). */
export function unionBounds(a: EditBounds | undefined, b: EditBounds | undefined): EditBounds | undefined {
  if (!a || !b) return a ?? b;
  return { top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom), left: Math.min(a.left, b.left), right: Math.max(a.right, b.right) };
}

export function boundsOf(cells: Iterable<{ row: number; col: number }>): EditBounds | undefined {
  let bounds: EditBounds | undefined;
  for (const { row, col } of cells) bounds = unionBounds(bounds, { top: row, bottom: row, left: col, right: col });
  return bounds;
}

/** Anything placed in a row: an edit, a highlighted cell. */
interface InRow {
  row: number;
}

/** Two row-ordered streams as one, row by row; at a row both hold, `first`'s go before `then`'s (so `then`'s edits win). */
export async function* mergeRows<T extends InRow>(first: AsyncIterable<T> | Iterable<T>, then: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  const a = iterate(first);
  const b = iterate(then);
  let [x, y] = await Promise.all([a.next(), b.next()]);
  while (!x.done || !y.done) {
    if (!x.done && (y.done || x.value.row <= y.value.row)) {
      yield x.value;
      x = await a.next();
    } else if (!y.done) {
      yield y.value;
      y = await b.next();
    }
  }
}

/**
 * A sheet's row-ordered edits taken a window at a time: a patcher asks for the rows up to the last
 * one it is about to write, and only those are held. An edit for a row before one already taken
 * means the source was not in row order: a programming error, thrown rather than written wrong.
 */
export class RowWindows<T extends InRow> {
  readonly #source: AsyncIterator<T>;
  #ahead: T | undefined;
  #done = false;
  #taken = Number.NEGATIVE_INFINITY;

  /** `what`: the sheet, for the message when the order is broken. */
  constructor(cells: AsyncIterable<T>, readonly what: string) {
    this.#source = cells[Symbol.asyncIterator]();
  }

  /** The edits of rows up to `row` (inclusive; Infinity: all that are left) not taken yet, in order. */
  async take(row: number): Promise<T[]> {
    const taken: T[] = [];
    for (;;) {
      if (this.#ahead === undefined) {
        if (this.#done) break;
        const next = await this.#source.next();
        if (next.done) {
          this.#done = true;
          break;
        }
        if (next.value.row <= this.#taken) throw new Error(`edits out of row order: row ${next.value.row} of ${this.what} after row ${this.#taken} was written`);
        this.#ahead = next.value;
      }
      if (this.#ahead.row > row) break;
      taken.push(this.#ahead);
      this.#ahead = undefined;
    }
    if (row > this.#taken) this.#taken = row;
    return taken;
  }
}

async function* fromArray(list: readonly CellEdit[]): AsyncGenerator<CellEdit> {
  yield* list;
}

function iterate<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> | Iterator<T> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}
