import { parseCsv, type CsvDelimiter } from './csv-parse.ts';

/** Candidates in order of preference when two explain the sample equally well. */
const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t', '|'];

/** Records sampled; enough to see through a few ragged rows, cheap even for huge files. */
const SAMPLE_RECORDS = 50;

export interface SniffDelimiterOptions {
  /** The file's extension (`.tsv`, `tsv`, `.csv`…); `.tsv` means tab without looking. */
  readonly extension?: string;
}

interface Candidate {
  readonly delimiter: CsvDelimiter;
  /** The most common field count in the sample. */
  readonly width: number;
  /** Share of sampled records with exactly that field count. */
  readonly agreement: number;
}

/**
 * Picks the delimiter whose field counts are most consistent over the first records, parsing
 * with quotes respected (a comma inside a quoted field does not count). Ties go to the wider
 * table, then to the earlier candidate. A delimiter that leaves most records in one field is no
 * delimiter at all; with none left, the answer is a comma (a one-column file).
 */
export function sniffDelimiter(text: string, options: SniffDelimiterOptions = {}): CsvDelimiter {
  if (options.extension?.replace(/^\./, '').toLowerCase() === 'tsv') return '\t';
  let best: Candidate | null = null;
  for (const delimiter of CANDIDATES) {
    const candidate = measure(text, delimiter);
    if (candidate.width >= 2 && (best === null || isBetter(candidate, best))) best = candidate;
  }
  return best?.delimiter ?? ',';
}

function measure(text: string, delimiter: CsvDelimiter): Candidate {
  const { records } = parseCsv(text, delimiter, { maxRecords: SAMPLE_RECORDS });
  const frequency = new Map<number, number>();
  for (const record of records) frequency.set(record.fields.length, (frequency.get(record.fields.length) ?? 0) + 1);
  let width = 0;
  let count = 0;
  for (const [w, n] of frequency) {
    if (n > count || (n === count && w > width)) [width, count] = [w, n];
  }
  return { delimiter, width, agreement: records.length === 0 ? 0 : count / records.length };
}

function isBetter(a: Candidate, b: Candidate): boolean {
  if (a.agreement !== b.agreement) return a.agreement > b.agreement;
  return a.width > b.width;
}
