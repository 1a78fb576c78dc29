/** A1-style cell addresses, 0-based on our side. */

/** "C5" → {row: 4, col: 2}, 0-based. */
export function decodeAddress(address: string): { row: number; col: number } {
  const match = /^\$?([A-Z]+)\$?(\d+)$/i.exec(address.trim());
  if (!match) return { row: 0, col: 0 };
  let col = 0;
  for (const ch of match[1].toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(match[2]) - 1, col: col - 1 };
}

/**
 * The 0-based column of an address ("C5" → 2), read without a regex: the sheet reader asks it of
 * every cell of the part, twice for a plan (scan and split). Anything but letters then digits
 * goes through decodeAddress.
 */
export function columnOf(address: string): number {
  let col = 0;
  let i = 0;
  for (; i < address.length; i++) {
    const code = address.charCodeAt(i) & ~0x20; // upper case for letters
    if (code < 65 || code > 90) break;
    col = col * 26 + (code - 64);
  }
  return i > 0 && i < address.length && isDigits(address, i) ? col - 1 : decodeAddress(address).col;
}

function isDigits(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** 0-based (row, col) → "C5". */
export function encodeAddress(row: number, col: number): string {
  let name = '';
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return `${name}${row + 1}`;
}
