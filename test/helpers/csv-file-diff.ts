/**
 * Compares a CSV written by fanyi with its source at the level of raw text, using the project's
 * own sniffers and parser to read both: every input record must come back with the same line
 * break and every non-empty field with the same raw text (quotes and all); only empty fields may
 * be filled and new fields appended.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeCsvText } from '../../src/workbook/csv/csv-codec.ts';
import { parseCsv, splitRawFields, type CsvDelimiter, type CsvRecord } from '../../src/workbook/csv/csv-parse.ts';
import { sniffDelimiter } from '../../src/workbook/csv/sniff-delimiter.ts';
import { sniffEncoding, type EncodingGuess } from '../../src/workbook/csv/sniff-encoding.ts';

export interface CsvFile {
  bytes: Buffer;
  guess: EncodingGuess;
  delimiter: CsvDelimiter;
  records: CsvRecord[];
}

export async function readCsvFile(file: string, delimiter?: CsvDelimiter): Promise<CsvFile> {
  const bytes = await readFile(file);
  const guess = sniffEncoding(bytes);
  if (!guess) throw new Error(`${file}: encoding not recognised`);
  const text = decodeCsvText(bytes, guess);
  const chosen = delimiter ?? sniffDelimiter(text, { extension: path.extname(file) });
  return { bytes, guess, delimiter: chosen, records: parseCsv(text, chosen).records };
}

/** A field that was empty or absent in an input record and has text in the output. */
export interface AddedField {
  row: number;
  col: number;
  value: string;
}

export interface CsvDiff {
  problems: string[];
  added: AddedField[];
  /** Records whose raw text is not the input's raw text plus appended fields. */
  rewrittenRecords: number;
}

/** Raw-text comparison; `output` is read with the input's delimiter. */
export async function diffCsv(inputPath: string, outputPath: string): Promise<CsvDiff> {
  const input = await readCsvFile(inputPath);
  const output = await readCsvFile(outputPath, input.delimiter);
  const diff: CsvDiff = { problems: [], added: [], rewrittenRecords: 0 };
  if (input.guess.encoding !== output.guess.encoding || input.guess.bom !== output.guess.bom) {
    diff.problems.push(`encoding ${JSON.stringify(input.guess)} → ${JSON.stringify(output.guess)}`);
  }
  if (output.records.length < input.records.length) diff.problems.push(`${input.records.length} records → ${output.records.length}`);
  input.records.forEach((before, row) => compareRecord(before, output.records[row], row, input.delimiter, diff));
  return diff;
}

function compareRecord(before: CsvRecord, after: CsvRecord | undefined, row: number, delimiter: CsvDelimiter, diff: CsvDiff): void {
  if (!after) return;
  if (after.raw !== before.raw && !after.raw.startsWith(before.raw + delimiter)) diff.rewrittenRecords++;
  if (after.terminator !== before.terminator) {
    diff.problems.push(`record ${row}: line break ${JSON.stringify(before.terminator)} → ${JSON.stringify(after.terminator)}`);
  }
  const [rawBefore, rawAfter] = [splitRawFields(before.raw, delimiter), splitRawFields(after.raw, delimiter)];
  for (let col = 0; col < Math.max(before.fields.length, after.fields.length); col++) {
    const [was, now] = [before.fields[col] ?? '', after.fields[col] ?? ''];
    if (was === '' && now !== '') diff.added.push({ row, col, value: now });
    else if (col < before.fields.length && rawAfter[col] !== rawBefore[col]) {
      diff.problems.push(`record ${row} field ${col}: ${clip(rawBefore[col])} → ${clip(rawAfter[col])}`);
    }
  }
}

function clip(text: string | undefined): string {
  const json = JSON.stringify(text) ?? 'undefined';
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}
