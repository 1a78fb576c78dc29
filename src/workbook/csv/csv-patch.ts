import { encodeCsvText } from './csv-codec.ts';
import type { LineEnding } from './csv-parse.ts';
import { openCsv, type CsvStream } from './csv-stream.ts';
import { serializeChangedRow, writeFileAtomic } from './csv-write.ts';
import { countLoss, type EncodingLoss, type OutputEncoding } from './output-encoding.ts';
import { BOMS } from './sniff-encoding.ts';

/** A cell to write: 0-based row and column of the file's one table. */
export interface CsvEdit {
  row: number;
  col: number;
  text: string;
}

/**
 * Each edited row's new texts by column (a hole: not edited). An array, not a Map, per row: a
 * million edited rows held as Maps cost ~100 MB more.
 */
type RowEdits = Map<number, Array<string | undefined>>;

/** Characters of text encoded at a time; chunks end between rows, so a stateless encoder reproduces unchanged rows exactly. */
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * Writes a copy of the CSV at `sourcePath` to `outPath` with the edited cells changed, streaming
 * the source's records through: a row nobody edited is written from its source text (byte-
 * identical), an edited one re-serializes only its changed fields (csv-write.ts); edits past the
 * last row add rows. `keep` keeps the source's encoding and BOM, `utf-8-bom` re-encodes every
 * row. What is held is the edits, grouped by row, not the file.
 * @returns the changed text the source's readers cannot read in its encoding; null when none.
 */
export async function patchCsv(sourcePath: string, outPath: string, edits: Iterable<CsvEdit> | AsyncIterable<CsvEdit>, encoding: OutputEncoding = 'keep'): Promise<EncodingLoss | null> {
  const byRow: RowEdits = new Map();
  for await (const edit of edits) {
    if (!Number.isInteger(edit.row) || !Number.isInteger(edit.col) || edit.row < 0 || edit.col < 0) throw new RangeError(`bad cell ${edit.row}:${edit.col}`);
    let cols = byRow.get(edit.row);
    if (!cols) byRow.set(edit.row, (cols = []));
    cols[edit.col] = edit.text;
  }
  const source = await openCsv(sourcePath, { maxFileBytes: Number.MAX_SAFE_INTEGER });
  const target = encoding === 'keep' ? source.guess : { encoding: 'utf8' as const, bom: true };
  await writeFileAtomic(outPath, encoded(lines(source, byRow), target));
  return encoding === 'keep' && source.totals?.narrower ? countLoss(changedTexts(byRow), source.totals.narrower, source.guess.encoding.toUpperCase()) : null;
}

/**
 * The output's text, row by row. A record's terminator is only known to be final once the next
 * record (or the end) is seen: rows added past the end need a line break after the old last row
 * even when the file had none; the last row, old or added, ends as the file did.
 */
async function* lines(source: CsvStream, byRow: RowEdits): AsyncGenerator<string> {
  let held: { text: string; terminator: LineEnding | '' } | undefined;
  let row = 0;
  for await (const record of source.records()) {
    if (held) yield held.text + held.terminator;
    held = { text: rowText(record.raw, byRow.get(row), source), terminator: record.terminator };
    row++;
  }
  let lastEdited = -1;
  for (const edited of byRow.keys()) if (edited > lastEdited) lastEdited = edited;
  const lineEnding = source.totals!.lineEnding;
  const endsWithBreak = held !== undefined && held.terminator !== '';
  for (; row <= lastEdited; row++) {
    if (held) yield held.text + (held.terminator || lineEnding);
    held = { text: rowText('', byRow.get(row), source), terminator: endsWithBreak ? lineEnding : '' };
  }
  if (held) yield held.text + held.terminator;
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
