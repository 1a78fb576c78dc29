/**
 * Small string-level XML helpers for the sheet patcher: tag and attribute scanning with indexOf
 * (regexes cost too much per row), A1 column letters, and text escaping.
 */
import type { EditBounds } from '../sheet-edits.ts';

/** Sheet XML that the single pass cannot follow; reported as CORRUPT_FILE naming file and part. */
export class MalformedSheet extends Error {}

/** Finds `<name` followed by whitespace, `>` or `/`, so `<c` never matches `<col`. */
export function findTag(xml: string, open: string, from: number, end: number): number {
  for (let pos = xml.indexOf(open, from); pos >= 0 && pos < end; pos = xml.indexOf(open, pos + 1)) {
    const after = xml.charCodeAt(pos + open.length);
    if (after === 32 || after === 62 || after === 47 || after === 9 || after === 10 || after === 13) return pos;
  }
  return -1;
}

/** Index just past the element whose open tag starts at `pos` and ends at `tagEnd`. */
export function elementEnd(xml: string, pos: number, tagEnd: number, closeTag: string): number {
  if (xml.charCodeAt(tagEnd - 1) === 47) return tagEnd + 1;
  const close = xml.indexOf(closeTag, tagEnd);
  if (tagEnd < 0 || close < 0) {
    throw new MalformedSheet(`has an unclosed ${xml.slice(pos, pos + 40)}`);
  }
  return close + closeTag.length;
}

const attributeNeedles = new Map<string, string>();
const attributePatterns = new Map<string, RegExp>();

/**
 * Index of the whitespace before `name=` in an open tag, or -1. This runs several times per
 * edited row and regex calls are costly there, so the usual `name="` form is found with indexOf.
 */
function attributeStart(tag: string, name: string): number {
  let needle = attributeNeedles.get(name);
  if (needle === undefined) attributeNeedles.set(name, (needle = ` ${name}="`));
  const at = tag.indexOf(needle);
  if (at >= 0 || !tag.includes(name)) return at;
  let pattern = attributePatterns.get(name);
  if (!pattern) attributePatterns.set(name, (pattern = new RegExp(`\\s${name}\\s*=\\s*["']`)));
  return pattern.exec(tag)?.index ?? -1;
}

/** The value's bounds, quotes excluded, for an attribute starting at `start`. */
function attributeValue(tag: string, start: number): [number, number] {
  let open = tag.indexOf('=', start) + 1;
  while (open < tag.length && tag[open] !== '"' && tag[open] !== "'") open++;
  return [open + 1, tag.indexOf(tag[open], open + 1)];
}

export function attribute(tag: string, name: string): string | undefined {
  const start = attributeStart(tag, name);
  if (start < 0) return undefined;
  const [from, to] = attributeValue(tag, start);
  return tag.slice(from, to);
}

/** Replaces an attribute's value, or removes the attribute when `value` is undefined. */
export function withAttribute(tag: string, name: string, value: string | undefined): string {
  const start = attributeStart(tag, name);
  if (start < 0) return tag;
  const [from, to] = attributeValue(tag, start);
  return value === undefined ? tag.slice(0, start) + tag.slice(to + 1) : tag.slice(0, from) + value + tag.slice(to);
}

/** Sets an attribute of an open tag, adding it before the tag's end when it is not there. */
export function setAttribute(tag: string, name: string, value: string): string {
  if (attributeStart(tag, name) >= 0) return withAttribute(tag, name, value);
  const end = tag.endsWith('/>') ? tag.length - 2 : tag.length - 1;
  return `${tag.slice(0, end).trimEnd()} ${name}="${value}"${tag.slice(end)}`;
}

/** 0-based column of the cell reference starting at `from` ("C5" → 2). */
export function columnIndex(ref: string, from: number): number {
  let col = 0;
  for (let i = from; i < ref.length; i++) {
    const code = ref.charCodeAt(i) | 0x20;
    if (code < 97 || code > 122) break;
    col = col * 26 + (code - 96);
  }
  return col - 1;
}

export function rowOf(ref: string): number {
  return Number(ref.replace(/^[A-Za-z]+/, ''));
}

/** `<dimension ref>` in the sheet's head, grown to cover the edited cells (`bounds`: 0-based rows and columns); none: as it is. */
export function updateDimension(head: string, bounds: EditBounds | undefined): string {
  if (!bounds) return head;
  return head.replace(/(<(?:\w+:)?dimension\s+ref\s*=\s*)("[^"]*"|'[^']*')/, (_match, lead: string, quoted: string) => {
    const [first, last = first] = quoted.slice(1, -1).replaceAll('$', '').split(':');
    let [top, left, bottom, right] = [rowOf(first), columnIndex(first, 0), rowOf(last), columnIndex(last, 0)];
    // An unreadable ref is replaced by the edits' own bounds rather than kept wrong.
    if (!(top >= 1 && left >= 0 && bottom >= top && right >= left)) [top, left, bottom, right] = [Infinity, Infinity, 0, 0];
    // Rows here are 1-based, as in the ref; the bounds' are 0-based.
    top = Math.min(top, bounds.top + 1);
    bottom = Math.max(bottom, bounds.bottom + 1);
    left = Math.min(left, bounds.left);
    right = Math.max(right, bounds.right);
    return `${lead}"${columnName(left)}${top}:${columnName(right)}${bottom}"`;
  });
}

const columnNames: string[] = [];

export function columnName(col: number): string {
  if (columnNames[col] !== undefined) return columnNames[col];
  let letters = '';
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return (columnNames[col] = letters);
}

/**
 * Escapes markup, drops characters XML 1.0 forbids (control characters, lone surrogates,
 * U+FFFE/U+FFFF), keeps CR as a character reference so parsers do not fold CRLF, and guards
 * literal `_xHHHH_`, which Excel would otherwise decode as an escaped character.
 */
export function escapeText(text: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Nearly every character takes this branch; a regex per text cost more than the loop.
    if (c >= 0x20 && c < 0xd800 && c !== 0x22 && c !== 0x26 && c !== 0x3c && c !== 0x3e && c !== 0x5f) continue;
    const replacement = escapeAt(text, i, c);
    if (replacement === undefined) continue;
    out += text.slice(copied, i) + replacement;
    copied = i + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const MARKUP: Record<number, string> = { 0x26: '&amp;', 0x3c: '&lt;', 0x3e: '&gt;', 0x22: '&quot;', 0x0d: '&#13;' };
const EXCEL_ESCAPE = /^x[0-9A-Fa-f]{4}_/;

/** What replaces the UTF-16 unit `c` at `i`: undefined to keep it, '' to drop it. */
function escapeAt(text: string, i: number, c: number): string | undefined {
  if (MARKUP[c] !== undefined) return MARKUP[c];
  if (c === 0x5f) return EXCEL_ESCAPE.test(text.slice(i + 1, i + 7)) ? '_x005F_' : undefined;
  if (c < 0x20) return c === 0x09 || c === 0x0a ? undefined : '';
  if (c >= 0xd800 && c <= 0xdbff) return isLowSurrogate(text.charCodeAt(i + 1)) ? undefined : '';
  if (c >= 0xdc00 && c <= 0xdfff) return i > 0 && isHighSurrogate(text.charCodeAt(i - 1)) ? undefined : '';
  return c === 0xfffe || c === 0xffff ? '' : undefined;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

export function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_match, entity: string) => {
    if (entity[0] !== '#') return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity]!;
    return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}
