import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** The text encodings a CSV file may be read in; it is written back in the same one. */
export type CsvEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'gb18030';

export interface EncodingGuess {
  readonly encoding: CsvEncoding;
  /** Whether the file starts with a byte-order mark (kept on save). */
  readonly bom: boolean;
}

/** Byte-order marks by encoding; GB18030 has one too (U+FEFF encodes as 84 31 95 33). */
export const BOMS: Readonly<Record<CsvEncoding, Uint8Array>> = {
  utf8: Uint8Array.of(0xef, 0xbb, 0xbf),
  utf16le: Uint8Array.of(0xff, 0xfe),
  utf16be: Uint8Array.of(0xfe, 0xff),
  gb18030: Uint8Array.of(0x84, 0x31, 0x95, 0x33),
};

/** Signatures of binary formats people save with a .csv name by mistake. */
const BINARY_SIGNATURES: ReadonlyArray<{ bytes: number[]; kind: string }> = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: 'a zip archive such as an .xlsx workbook' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], kind: 'a legacy .xls workbook' },
  { bytes: [0x25, 0x50, 0x44, 0x46], kind: 'a PDF document' },
  { bytes: [0x1f, 0x8b], kind: 'a gzip archive' },
];

/** Bytes sampled for the UTF-16 and control-character heuristics. */
const SAMPLE_BYTES = 8192;

/**
 * Guesses the encoding of a CSV file from its bytes. Order matters: known binary signatures
 * first (a zip header can pass for UTF-16), then BOMs, then BOM-less UTF-16 (its NUL bytes would
 * otherwise look binary), then strict UTF-8, then GB18030.
 *
 * Returns `null` when the bytes are binary-like or in no supported encoding; GB18030 is only
 * accepted when it decodes and re-encodes to the very same bytes, which is also what lets
 * unchanged rows be written back byte-identical.
 */
export function sniffEncoding(bytes: Uint8Array): EncodingGuess | null {
  if (binarySignature(bytes) !== null) return null;
  const withBom = sniffBom(bytes);
  if (withBom) return isDecodable(bytes.subarray(BOMS[withBom.encoding].length), withBom.encoding) ? withBom : null;
  const utf16 = sniffBomlessUtf16(bytes);
  if (utf16) return { encoding: utf16, bom: false };
  if (isBinaryLike(bytes)) return null;
  if (isDecodable(bytes, 'utf8')) return { encoding: 'utf8', bom: false };
  if (isDecodable(bytes, 'gb18030')) return { encoding: 'gb18030', bom: false };
  return null;
}

/** A known binary signature's description, or `null`. */
export function binarySignature(bytes: Uint8Array): string | null {
  const match = BINARY_SIGNATURES.find((s) => s.bytes.every((b, i) => bytes[i] === b));
  return match ? match.kind : null;
}

/**
 * True for bytes that are not a single-byte-unit text file: a known binary signature, any NUL
 * byte, or more than 10% control characters in the first 8 KiB. Only meaningful once UTF-16
 * has been ruled out.
 */
export function isBinaryLike(bytes: Uint8Array): boolean {
  if (binarySignature(bytes) !== null || bytes.indexOf(0) !== -1) return true;
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  let controls = 0;
  for (const b of sample) if (isControl(b)) controls++;
  return controls * 10 > sample.length;
}

/** C0 controls other than tab, LF, FF and CR; text files hardly ever hold them. */
function isControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
}

function sniffBom(bytes: Uint8Array): EncodingGuess | null {
  // UTF-8 and GB18030 BOMs cannot be confused with the UTF-16 ones, so order is free.
  for (const encoding of ['utf8', 'utf16le', 'utf16be', 'gb18030'] as const) {
    const bom = BOMS[encoding];
    if (bytes.length >= bom.length && bom.every((b, i) => bytes[i] === b)) return { encoding, bom: true };
  }
  return null;
}

/**
 * CSV text is rich in ASCII (delimiters, newlines, keys), which in UTF-16 puts a NUL in the high
 * byte of every such unit: NULs at odd offsets mean little-endian, at even offsets big-endian.
 * Requires NULs in at least 10% of the units and nearly none on the other side.
 */
function sniffBomlessUtf16(bytes: Uint8Array): 'utf16le' | 'utf16be' | null {
  if (bytes.length < 2 || bytes.length % 2 !== 0) return null;
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  let even = 0;
  let odd = 0;
  for (let i = 0; i + 1 < sample.length; i += 2) {
    if (sample[i] === 0) even++;
    if (sample[i + 1] === 0) odd++;
  }
  const units = sample.length >> 1;
  const guess = odd * 10 >= units && even * 50 <= odd ? 'utf16le' : even * 10 >= units && odd * 50 <= even ? 'utf16be' : null;
  return guess && isDecodable(bytes, guess) && !hasManyControls16(sample, guess) ? guess : null;
}

/** The UTF-16 twin of the control-character test in {@link isBinaryLike}. */
function hasManyControls16(sample: Uint8Array, encoding: 'utf16le' | 'utf16be'): boolean {
  let controls = 0;
  for (let i = 0; i + 1 < sample.length; i += 2) {
    const code = encoding === 'utf16le' ? sample[i] | (sample[i + 1] << 8) : (sample[i] << 8) | sample[i + 1];
    if (isControl(code)) controls++;
  }
  return controls * 10 > sample.length >> 1;
}

/** Strict check: the bytes decode without a single replacement and would re-encode identically. */
export function isDecodable(bytes: Uint8Array, encoding: CsvEncoding): boolean {
  if (encoding === 'gb18030') return roundTripsAsGb18030(bytes);
  if (encoding === 'utf8') return isUtf8(bytes); // strict, like a fatal TextDecoder, without building the string
  try {
    new TextDecoder(encoding === 'utf16le' ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Invalid sequences decode to U+FFFD, which encodes to other bytes, so they fail the comparison. */
function roundTripsAsGb18030(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = iconv.decode(buffer, 'gb18030', { stripBOM: false });
  return buffer.equals(iconv.encode(text, 'gb18030'));
}
