import { findPlaceholders } from './placeholders.ts';
import { flag, type QaFlag } from './qa-flags.ts';
import { factsOf, TextFacts, type CheckedText, type NumberFacts } from './text-facts.ts';

/** Digits of other scripts, mapped to ASCII (NFKC already folds full-width digits). */
const DIGIT_BLOCKS = [0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0xed0, 0x1040, 0x17e0];

/** `1 000` / `1 000` (grouped by spaces) before plain `1,000.5`, so a group stays one number. */
const NUMBER = /\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])|\d+(?:[.,'’]\d+)*/g;

/** English number words, either side: "Two armatures" → "2つのアーマチュア", "Third Person" → "3-го лица". */
const NUMBER_WORDS = new Map(
  ('zero 0 one 1 two 2 three 3 four 4 five 5 six 6 seven 7 eight 8 nine 9 ten 10 eleven 11 twelve 12 first 1 second 2 ' +
    'third 3 fourth 4 fifth 5 sixth 6 seventh 7 eighth 8 ninth 9 tenth 10 once 1 twice 2 single 1 double 2 triple 3')
    .split(' ')
    .flatMap((item, i, all) => (i % 2 ? [] : [[item, all[i + 1]] as const])),
);

/**
 * Digits inside a Latin term ("3D", "MP3", "O2", "P1", "x64") belong to the term, which may be
 * translated ("3D" → "三维", "P1" → "Spieler 1"): they never raise a flag, but they do count as
 * present ("プリセット1" → "Preset1").
 */
const LATIN_TERM = /[A-Za-z]+\d+[A-Za-z\d]*|(?<![\d.,])\d+[A-Za-z]+[A-Za-z\d]*/g;

/** Chinese/Japanese numerals a translator may write for small numbers ("3 次" → "三次"). */
const CJK_NUMERALS = ['零〇', '一壹', '二两兩貳', '三參叁', '四肆', '五伍', '六陸', '七柒', '八捌', '九玖', '十拾'];

/**
 * Numbers must survive translation: a "3" that became "5" is a silent defect. Compared as sets of
 * values, ignoring how digits are grouped or the decimal mark written (1,000 = 1.000 = 1 000,
 * 1.5 = 1,5 — locales differ), ignoring numbers inside placeholders ({0}, %1$s, #1). A small
 * number written as a CJK numeral or an English word ("two", "third") counts as present.
 */
export function checkNumbers(source: CheckedText, target: CheckedText): QaFlag[] {
  const [src, tgt] = [factsOf(source), factsOf(target)];
  // Most cells hold no digit at all; number words alone never raise a flag.
  if (!hasDigit(src) && !hasDigit(tgt)) return [];
  const [want, got] = [numberFacts(src), numberFacts(tgt)];
  const [sourceText, targetText] = [src.text, tgt.text];
  const missing = want.plain.filter((n) => !got.all.includes(n) && !hasCjkNumeral(targetText, n) && !numberWords(targetText).has(n));
  const extra = got.plain.filter((n) => !want.all.includes(n) && !numberWords(sourceText).has(n));
  missing.push(...brokenTerms(sourceText, targetText).filter((n) => !missing.includes(n) && !got.all.includes(n)));
  if (!missing.length && !extra.length) return [];
  const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : ''];
  return [flag('numbers_differ', `numbers differ: ${parts.filter(Boolean).join('; ')}`, { missing, extra })];
}

/** The distinct numbers of `text` outside placeholders, as digit strings without separators; in Latin terms only if `withTerms`. */
export function numbersIn(text: string, withTerms: boolean): Set<string> {
  const stripped = withoutPlaceholders(new TextFacts(text));
  return numbersOf(withTerms ? stripped : stripped.replace(LATIN_TERM, ' '));
}

const ANY_DIGIT = /\p{Nd}/u;

const hasDigit = (text: TextFacts): boolean => (text.hasDigit ??= ANY_DIGIT.test(text.text));

function numberFacts(text: TextFacts): NumberFacts {
  if (!text.numbers) {
    const stripped = withoutPlaceholders(text);
    const termless = stripped.replace(LATIN_TERM, ' ');
    const all = listOf(numbersOf(stripped));
    // Without a Latin term both readings are the same numbers.
    text.numbers = { plain: termless === stripped ? all : listOf(numbersOf(termless)), all };
  }
  return text.numbers;
}

const NONE: readonly string[] = Object.freeze([]);
const listOf = (numbers: Set<string>): readonly string[] => (numbers.size ? [...numbers] : NONE);

/** ICU explicit cases (`=0 {…}`) are keys, checked by checkIcu. */
const ICU_CASE_KEY = /=\s*\d+\s*\{/g;

/** NFKC text with placeholders and ICU explicit-case keys blanked out. */
function withoutPlaceholders(text: TextFacts): string {
  const normal = text.normal.replace(ICU_CASE_KEY, '{');
  let plain = '';
  let at = 0;
  for (const token of normal === text.normal ? text.normalPlaceholders : findPlaceholders(normal)) {
    plain += `${normal.slice(at, token.start)} `;
    at = token.end;
  }
  return plain + normal.slice(at);
}

function numbersOf(stripped: string): Set<string> {
  const plain = stripped.replace(/[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef\u0e50-\u0e59\u0ed0-\u0ed9\u1040-\u1049\u17e0-\u17e9]/g, asciiDigit);
  return new Set((plain.match(NUMBER) ?? []).map((n) => n.replace(/\D/g, '').replace(/^0+(?=\d)/, '')));
}

function asciiDigit(char: string): string {
  const code = char.codePointAt(0)!;
  const block = DIGIT_BLOCKS.find((start) => code >= start && code <= start + 9)!;
  return String(code - block);
}

/**
 * A term whose letters survived without its digits ("MD5" → "MD%"): the digits were lost, not
 * translated away with the term ("3D" → "三维" keeps no "D").
 */
function brokenTerms(source: string, target: string): string[] {
  const lost: string[] = [];
  for (const [term, letters, digits] of source.matchAll(/(?<![A-Za-z\d])([A-Za-z]+)(\d+)(?![A-Za-z\d])/g)) {
    if (!target.includes(term) && new RegExp(`(?<![A-Za-z])${letters}(?![A-Za-z\\d])`).test(target)) lost.push(digits);
  }
  return lost;
}

function numberWords(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[a-z]+/g) ?? []).flatMap((word) => NUMBER_WORDS.get(word) ?? []));
}

function hasCjkNumeral(text: string, value: string): boolean {
  const n = Number(value);
  return n <= 10 && [...CJK_NUMERALS[n]].some((numeral) => text.includes(numeral));
}
