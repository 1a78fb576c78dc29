/**
 * An RFC-4180 CSV parser that keeps each record's source text, so that records nobody changed can
 * be written back byte-identical. It scans by index (charCodeAt/indexOf), never by regex.
 *
 * Leniencies, all common among readers: a quote that is not at the start of a field is literal
 * text; text after a closing quote is appended to the field; a quote with no closing quote before
 * the end of the file is literal text too, so one stray `"` cannot swallow the rest of the file;
 * a lone CR ends a record like LF and CRLF do.
 */

export type LineEnding = '\n' | '\r\n' | '\r';

/** The single-character delimiters the reader supports. */
export type CsvDelimiter = ',' | ';' | '\t' | '|';

export interface CsvRecord {
  /** Parsed field values; an empty field is `''`. */
  readonly fields: string[];
  /** The record's source text, without its terminator. */
  readonly raw: string;
  /** The line break that ended the record, `''` for a last line without one. */
  readonly terminator: LineEnding | '';
}

export interface ParsedCsv {
  readonly records: CsvRecord[];
  /** The most common record terminator; LF when there is none. Used for rows added later. */
  readonly lineEnding: LineEnding;
}

export interface ParseCsvOptions {
  /** Stop after this many records (delimiter sniffing reads only a few). Default: all. */
  readonly maxRecords?: number;
}

/** What a scan over a chunk that is not the file's last returns when the chunk ends inside the record. */
const INCOMPLETE: unique symbol = Symbol('incomplete');

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Parses CSV text (already decoded, without a BOM). */
export function parseCsv(text: string, delimiter: CsvDelimiter, options: ParseCsvOptions = {}): ParsedCsv {
  const endings = newEndingCounts();
  const { records } = parseCsvChunk(text, delimiter, { isLast: true, endings, maxRecords: options.maxRecords });
  return { records, lineEnding: dominantEnding(endings) };
}

/** Records ended by each line break, counted across chunks (see dominantEnding). */
export type EndingCounts = Record<LineEnding, number>;

export const newEndingCounts = (): EndingCounts => ({ '\n': 0, '\r\n': 0, '\r': 0 });

export interface CsvChunk {
  readonly records: CsvRecord[];
  /** Characters of the text the records took; the rest starts a record the next chunk completes. */
  readonly consumed: number;
}

/**
 * Parses the whole records of a chunk of a file's text. Unless `isLast`, a record is whole only
 * once its line break is in the text and nothing after it can change it (a quote not yet closed,
 * a quote that may be doubled, a CR that may be a CRLF): the rest is left for the caller to put
 * before the next chunk. Parsed in chunks, a file gives the records it gives parsed whole.
 */
export function parseCsvChunk(text: string, delimiter: CsvDelimiter, options: { isLast: boolean; endings: EndingCounts; maxRecords?: number }): CsvChunk {
  const scanner = new CsvScanner(text, delimiter, options.isLast);
  const maxRecords = options.maxRecords ?? Infinity;
  const records: CsvRecord[] = [];
  let consumed = 0;
  while (scanner.pos < text.length && records.length < maxRecords) {
    const start = scanner.pos;
    const fields = scanner.readFields();
    if (fields === INCOMPLETE) break;
    const raw = text.slice(start, scanner.pos);
    const terminator = scanner.readTerminator();
    if (terminator === INCOMPLETE) break;
    if (terminator !== '') options.endings[terminator]++;
    records.push({ fields, raw, terminator });
    consumed = scanner.pos;
  }
  return { records, consumed };
}

/**
 * Splits one record's raw text into the raw text of each field (quotes and escapes kept), so a
 * changed row can re-serialize only the fields that changed.
 */
export function splitRawFields(raw: string, delimiter: CsvDelimiter): string[] {
  const scanner = new CsvScanner(raw, delimiter);
  const parts: string[] = [];
  for (;;) {
    const start = scanner.pos;
    scanner.readField();
    parts.push(raw.slice(start, scanner.pos));
    if (!scanner.skipDelimiter()) return parts;
  }
}

/** The most common record terminator; LF when there is none. */
export function dominantEnding(counts: EndingCounts): LineEnding {
  if (counts['\r\n'] > counts['\n'] && counts['\r\n'] >= counts['\r']) return '\r\n';
  return counts['\r'] > counts['\n'] ? '\r' : '\n';
}

/**
 * Cursor over the text; every read leaves `pos` just after what it consumed. Over a chunk that is
 * not the file's last (`isLast` false) a read that runs into the chunk's end answers INCOMPLETE.
 */
class CsvScanner {
  pos = 0;
  readonly #text: string;
  readonly #delimiter: number;
  readonly #isLast: boolean;

  constructor(text: string, delimiter: CsvDelimiter, isLast = true) {
    this.#text = text;
    this.#delimiter = delimiter.charCodeAt(0);
    this.#isLast = isLast;
  }

  /** Reads a record's fields, stopping at its line break or the end of the text. */
  readFields(): string[] | typeof INCOMPLETE {
    const fields: string[] = [];
    do {
      const field = this.readField();
      if (field === INCOMPLETE) return INCOMPLETE;
      fields.push(field);
    } while (this.skipDelimiter());
    return !this.#isLast && this.pos >= this.#text.length ? INCOMPLETE : fields;
  }

  readField(): string | typeof INCOMPLETE {
    return this.#text.charCodeAt(this.pos) === QUOTE ? this.#readQuoted() : this.#readBare();
  }

  skipDelimiter(): boolean {
    if (this.#text.charCodeAt(this.pos) !== this.#delimiter) return false;
    this.pos++;
    return true;
  }

  readTerminator(): LineEnding | '' | typeof INCOMPLETE {
    const c = this.#text.charCodeAt(this.pos);
    if (c === LF) return this.#advance(1, '\n');
    if (c !== CR) return '';
    if (!this.#isLast && this.pos + 1 >= this.#text.length) return INCOMPLETE;
    return this.#text.charCodeAt(this.pos + 1) === LF ? this.#advance(2, '\r\n') : this.#advance(1, '\r');
  }

  #advance<T>(by: number, value: T): T {
    this.pos += by;
    return value;
  }

  #readBare(): string {
    const text = this.#text;
    const delimiter = this.#delimiter;
    const start = this.pos;
    let i = start;
    for (let c = text.charCodeAt(i); i < text.length && c !== delimiter && c !== LF && c !== CR; c = text.charCodeAt(++i));
    this.pos = i;
    return text.slice(start, i);
  }

  #readQuoted(): string | typeof INCOMPLETE {
    const text = this.#text;
    const start = this.pos;
    let hasEscapes = false;
    for (let from = start + 1; ; ) {
      const close = text.indexOf('"', from);
      // Not closed yet, or closed by the chunk's last character (a doubled quote may follow): the next chunk decides.
      if (!this.#isLast && (close === -1 || close === text.length - 1)) return INCOMPLETE;
      if (close === -1) return this.#readBare(); // unterminated: the opening quote is literal
      if (text.charCodeAt(close + 1) === QUOTE) {
        hasEscapes = true;
        from = close + 2;
        continue;
      }
      const inner = text.slice(start + 1, close);
      this.pos = close + 1;
      const value = hasEscapes ? inner.replaceAll('""', '"') : inner;
      return this.#atFieldEnd() ? value : value + this.#readBare();
    }
  }

  #atFieldEnd(): boolean {
    const c = this.#text.charCodeAt(this.pos);
    return this.pos >= this.#text.length || c === this.#delimiter || c === LF || c === CR;
  }
}

/**
 * Serializes one field with minimal quoting: quoted when it holds the delimiter, a quote, CR or LF,
 * or when `keepQuoted` says the field it replaces was quoted (so a rewritten row keeps its style).
 */
export function quoteField(value: string, delimiter: CsvDelimiter, keepQuoted = false): string {
  const needsQuotes =
    keepQuoted || value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r');
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}
