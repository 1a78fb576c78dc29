import iconv from 'iconv-lite';
import { BOMS, type CsvEncoding, type EncodingGuess } from './sniff-encoding.ts';

/**
 * Decodes a CSV file's bytes to text, without its BOM. Every encoding here is stateless and the
 * sniffer only accepts bytes that round-trip, so re-encoding any run of whole rows gives back
 * exactly the bytes they were read from.
 */
export function decodeCsvText(bytes: Uint8Array, guess: EncodingGuess): string {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).subarray(guess.bom ? BOMS[guess.encoding].length : 0);
  switch (guess.encoding) {
    case 'utf8':
      // ignoreBOM keeps a second U+FEFF as content instead of silently dropping it.
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    case 'utf16le':
      return body.toString('utf16le');
    case 'utf16be':
      return Buffer.from(body).swap16().toString('utf16le');
    case 'gb18030':
      return iconv.decode(body, 'gb18030', { stripBOM: false });
  }
}

/** Encodes text (no BOM) in the given encoding. */
export function encodeCsvText(text: string, encoding: CsvEncoding): Buffer {
  switch (encoding) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf16le':
      return Buffer.from(text, 'utf16le');
    case 'utf16be':
      return Buffer.from(text, 'utf16le').swap16();
    case 'gb18030':
      return iconv.encode(text, 'gb18030');
  }
}
