import { encodeCsvText } from './csv-codec.ts';
import type { LineEnding } from './csv-parse.ts';
import { openCsv, type CsvStream } from './csv-stream.ts';
import { serializeChangedRow, writeFileAtomic } from './csv-write.ts';
import { countLoss, NarrowerCharset, type EncodingLoss, type OutputEncoding } from './output-encoding.ts';
import { BOMS } from './sniff-encoding.ts';
import { isSheetEdits, mergeRows, RowWindows, type SheetEdits } from '../sheet-edits.ts';

/** A cell to write: 0-based row and column of the file's one table. */
export interface CsvEdit {
  row: number;
  col: number;
  text: string;
}

/**
 * Each edited row's new texts by column (a hole: not edited). An array, not a Map, per row: a
 * window of edited rows held as Maps costs more for nothing.
 */
type RowEdits = Map<number, Array<string | undefined>>;

/** Characters of text encoded at a time; chunks end between rows, so a stateless encoder reproduces unchanged rows exactly. */
const WRITE_CHUNK_CHARS = 1 << 20;
/** Rows whose edits are taken at once: a window is held, not the file's edits. */
const WINDOW_ROWS = 1_024;

/**
 * Writes a copy of the CSV at `sourcePath` to `outPath` with the edited cells changed, streaming
 * the source's records through: a row nobody edited is written from its source text (byte-
 * identical), an edited one re-serializes only its changed fields (csv-write.ts); edits past the
 * last row add rows. `keep` keeps the source's encoding and BOM, `utf-8-bom` re-encodes every
 * row. Edits as {@link SheetEdits} (its one table's, in row order, as the store pages them) are
 * taken a window of rows at a time, so neither the file nor its edits are held; edits in any
 * other order are sorted in memory first.
 * @returns the changed text the source's readers cannot read in its encoding; null when none.
 */
export async function patchCsv(sourcePath: string, outPath: string, edits: SheetEdits | Iterable<CsvEdit> | AsyncIterable<CsvEdit>, encoding: OutputEncoding = 'keep'): Promise<EncodingLoss | null> {
  const source = await openCsv(sourcePath, { maxFileBytes: Number.MAX_SAFE_INTEGER });
  const target = encoding === 'keep' ? source.guess : { encoding: 'utf8' as const, bom: true };
  // Whether the source's readers use a narrower charset is known once the whole file is read: the
  // changed text is tallied as it passes when it may be (a GB18030 source) and reported if so.
  const loss = encoding === 'keep' && new NarrowerCharset(source.guess.encoding).value ? new LossTally() : undefined;
  await writeFileAtomic(outPath, encoded(lines(source, new RowWindows(await tableEdits(edits), 'the CSV'), loss), target));
  const narrower = source.totals?.narrower;
  return loss && narrower ? loss.result(narrower, source.guess.encoding.toUpperCase()) : null;
}

/** The one table's edits in row order. */
async function tableEdits(edits: SheetEdits | Iterable<CsvEdit> | AsyncIterable<CsvEdit>): Promise<AsyncIterable<CsvEdit>> {
  if (isSheetEdits(edits)) {
    // A CSV is one table, whatever name its edits give it: every name's edits, merged in row order.
    let merged: AsyncIterable<CsvEdit> = fromArray([]);
    for (const sheet of (await edits.sheets()).keys()) merged = mergeRows(merged, edits.cells(sheet));
    return merged;
  }
  const held: CsvEdit[] = [];
  for await (const edit of edits) held.push(edit);
  // Stable: of two edits of one cell, the later stays later and wins.
  return fromArray(held.sort((a, b) => a.row - b.row));
}

/**
 * The output's text, row by row, the edits of a window of rows taken before its first row is
 * written. A record's terminator is only known to be final once the next record (or the end) is
 * seen: rows added past the end need a line break after the old last row even when the file had
 * none; the last row, old or added, ends as the file did.
 */
async function* lines(source: CsvStream, edits: RowWindows<CsvEdit>, loss: LossTally | undefined): AsyncGenerator<string> {
  let held: { text: string; terminator: LineEnding | '' } | undefined;
  let row = 0;
  let window: RowEdits = new Map();
  let windowEnd = -1;
  const rowEdits = async (upTo: number): Promise<void> => {
    window = byRow(await edits.take(upTo));
    windowEnd = upTo;
    loss?.add(window);
  };
  for await (const record of source.records()) {
    if (held) yield held.text + held.terminator;
    if (row > windowEnd) await rowEdits(row + WINDOW_ROWS - 1);
    held = { text: rowText(record.raw, window.get(row), source), terminator: record.terminator };
    row++;
  }
  // Rows past the file's last: those of the last window and what is left.
  const rest = byRow(await edits.take(Number.POSITIVE_INFINITY));
  loss?.add(rest);
  for (const [r, cols] of rest) window.set(r, cols);
  const added = [...window.keys()].filter((r) => r >= row);
  const lastEdited = added.length ? Math.max(...added) : -1;
  const lineEnding = source.totals!.lineEnding;
  const endsWithBreak = held !== undefined && held.terminator !== '';
  for (; row <= lastEdited; row++) {
    if (held) yield held.text + (held.terminator || lineEnding);
    held = { text: rowText('', window.get(row), source), terminator: endsWithBreak ? lineEnding : '' };
  }
  if (held) yield held.text + held.terminator;
}

function byRow(edits: readonly CsvEdit[]): RowEdits {
  const rows: RowEdits = new Map();
  for (const edit of edits) {
    if (!Number.isInteger(edit.row) || !Number.isInteger(edit.col) || edit.row < 0 || edit.col < 0) throw new RangeError(`bad cell ${edit.row}:${edit.col}`);
    let cols = rows.get(edit.row);
    if (!cols) rows.set(edit.row, (cols = []));
    cols[edit.col] = edit.text;
  }
  return rows;
}

/** What of the changed text GBK cannot hold, counted window by window. */
class LossTally {
  #cells = 0;
  #chars = 0;

  add(window: RowEdits): void {
    const loss = countLoss(changedTexts(window), '', '');
    if (loss) [this.#cells, this.#chars] = [this.#cells + loss.cells, this.#chars + loss.chars];
  }

  result(original: string, written: string): EncodingLoss | null {
    return this.#cells ? { original, written, cells: this.#cells, chars: this.#chars } : null;
  }
}

async function* fromArray(edits: readonly CsvEdit[]): AsyncGenerator<CsvEdit> {
  yield* edits;
}

function rowText(raw: string, edits: ReadonlyArray<string | undefined> | undefined, source: CsvStream): string {
  if (!edits) return raw;
  const cells: Array<string | null> = [];
  const changed = new Set<number>();
  edits.forEach((text, col) => {
    cells[col] = text === '' ? null : text!;
    changed.add(col);
  });
  return serializeChangedRow(raw, cells, changed, source.delimiter);
}

async function* encoded(lines: AsyncIterable<string>, target: CsvStream['guess']): AsyncGenerator<Uint8Array> {
  if (target.bom) yield BOMS[target.encoding];
  let parts: string[] = [];
  let size = 0;
  for await (const line of lines) {
    parts.push(line);
    size += line.length;
    if (size < WRITE_CHUNK_CHARS) continue;
    yield encodeCsvText(parts.join(''), target.encoding);
    [parts, size] = [[], 0];
  }
  if (parts.length) yield encodeCsvText(parts.join(''), target.encoding);
}

function* changedTexts(byRow: RowEdits): Generator<string> {
  for (const cols of byRow.values()) for (const text of cols) if (text) yield text;
}
