import iconv from 'iconv-lite';
import type { CsvEncoding } from './sniff-encoding.ts';

/**
 * How a CSV output is encoded (`--encoding`): `keep` the source's encoding, BOM and all (the
 * default), or `utf-8-bom`, which every spreadsheet program opens correctly whatever its locale.
 */
export const OUTPUT_ENCODINGS = ['keep', 'utf-8-bom'] as const;

export type OutputEncoding = (typeof OUTPUT_ENCODINGS)[number];

/**
 * Written text the source's own encoding cannot hold. A GB18030 file that uses only the two-byte
 * range is, to its readers, GBK: Excel on Chinese Windows opens any CSV as code page 936 and
 * shows a character outside it (Thai, Latin with some accents, emoji) as garbage, although the
 * GB18030 bytes fanyi wrote hold it losslessly.
 */
export interface EncodingLoss {
  /** The encoding the source was in as its readers see it, e.g. `GBK (code page 936)`. */
  original: string;
  /** The encoding the file was written in, e.g. `GB18030`. */
  written: string;
  /** Changed cells holding at least one such character. */
  cells: number;
  /** Such characters in those cells, counted by code point. */
  chars: number;
}

const GBK = 'GBK (code page 936)';

/**
 * The narrower encoding the source's readers use, when there is one: GBK for a GB18030 file with
 * no four-byte sequence (those are GB18030's additions; a GB18030 BOM is one too). Null when
 * every character can be written as the source's readers expect (UTF-8, UTF-16, full GB18030).
 */
export function narrowerCharset(bytes: Uint8Array, encoding: CsvEncoding): string | null {
  return new NarrowerCharset(encoding).add(bytes).value;
}

/** {@link narrowerCharset} of a file read in chunks cut between characters: each chunk added, then `value`. */
export class NarrowerCharset {
  readonly #encoding: CsvEncoding;
  #hasFourByte = false;

  constructor(encoding: CsvEncoding) {
    this.#encoding = encoding;
  }

  add(bytes: Uint8Array): this {
    if (this.#encoding === 'gb18030' && !this.#hasFourByte) this.#hasFourByte = hasFourByteSequence(bytes);
    return this;
  }

  get value(): string | null {
    return this.#encoding === 'gb18030' && !this.#hasFourByte ? GBK : null;
  }
}

/** GB18030: a lead byte 0x81–0xFE followed by 0x30–0x39 starts a four-byte sequence. */
function hasFourByteSequence(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] < 0x81 || bytes[i] === 0xff) continue;
    if (bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39) return true;
    i++; // a two-byte sequence: its trail byte may look like a lead byte
  }
  return false;
}

/**
 * Counts the cells and characters of `texts` that GBK cannot hold, for a source whose readers
 * use {@link narrowerCharset}; null when nothing is lost.
 */
export function countLoss(texts: Iterable<string>, original: string, written: string): EncodingLoss | null {
  let cells = 0;
  let chars = 0;
  for (const text of texts) {
    const outside = charsOutsideGbk(text);
    if (outside) [cells, chars] = [cells + 1, chars + outside];
  }
  return cells ? { original, written, cells, chars } : null;
}

function charsOutsideGbk(text: string): number {
  let count = 0;
  for (const char of text) if (char.charCodeAt(0) >= 0x80 && !fitsGbk(char)) count++;
  return count;
}

const fits = new Map<string, boolean>();

/** A character fits when its GB18030 bytes read back as itself in GBK (as code page 936 reads them). */
function fitsGbk(char: string): boolean {
  let known = fits.get(char);
  if (known === undefined) fits.set(char, (known = iconv.decode(iconv.encode(char, 'gb18030'), 'gbk') === char));
  return known;
}
