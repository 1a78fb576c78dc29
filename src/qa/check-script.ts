import { languagesMatch } from '../workbook/language-codes.ts';
import { countScripts, detectScript, expectedScript, type ScriptName } from '../workbook/scripts.ts';
import { isLanguageName } from './language-names.ts';
import { flag, type QaFlag } from './qa-flags.ts';
import { factsOf, type CheckedText } from './text-facts.ts';

/** Fewer letters than this say nothing reliable about a language ("OK", "rtl", "x2"). */
const MIN_LETTERS = 4;

/**
 * Below this share of its own script a text is in another language. Low on purpose: Thai, Korean
 * and Japanese UI text mixes in English jargon ("แสดง attack animation", "FPS表示"), and such a
 * text is still a translation.
 */
const MIN_SHARE = 0.2;

/**
 * Acronyms, units and all-caps labels ("BGM", "START", "IAP", "GBps", "MiB") are kept in Latin in
 * every language: words of up to 6 characters with two or more capitals.
 */
const ACRONYM = /\b(?=[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z])[A-Za-z0-9]{2,6}\b/g;

/** E-mail addresses and URLs are written in Latin in every language. */
const ADDRESS = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?:\/\/|www\.)\S+/g;

/** Letters Vietnamese writes and English does not; a sentence of Vietnamese without any is unaccented or not Vietnamese. */
const VIETNAMESE_LETTERS = /[àáâãèéêìíòóôõùúýăđĩũơưạ-ỹ]/iu;

const SCRIPT_NAMES = new Intl.DisplayNames(['en'], { type: 'script', fallback: 'code' });

/**
 * The translation must be written in its language's script: Thai for th, Hangul for ko, kana or
 * kanji for ja, Han for zh, Cyrillic for ru, Latin for en/fr/vi… Letters only count outside
 * placeholders and markup, and foreign words copied verbatim from the source (brand and product
 * names: "VRChat", "Blender") and all-caps acronyms are left out, so a Thai sentence naming
 * "Steam" passes. Short texts (fewer than 4 letters left) are never judged, nor language names
 * (see isLanguageName). Vietnamese must also carry its diacritics.
 */
export function checkScript(source: string, target: string, targetLang: string | undefined): QaFlag[] {
  const expected = targetLang ? expectedScript(targetLang) : undefined;
  if (!expected) return [];
  const counts = letters(target);
  if (total(counts) < MIN_LETTERS) return [];
  if (share(counts, expected) < MIN_SHARE) {
    const own = letters(withoutCopiedWords(target, source, expected));
    const isForeign = total(own) >= MIN_LETTERS && share(own, expected) < MIN_SHARE;
    if (isForeign && !isLanguageName(source, target, targetLang!)) return [wrongScript(expected, own)];
  }
  return isVietnamese(targetLang!) ? checkVietnamese(target) : [];
}

function wrongScript(expected: ScriptName, counts: Map<string, number>): QaFlag {
  const found = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  return flag('wrong_script', `expected ${scriptName(expected)} script, found mostly ${scriptName(found)}`);
}

function checkVietnamese(target: string): QaFlag[] {
  const words = target.match(/\p{L}+/gu) ?? [];
  if (words.length < 3 || VIETNAMESE_LETTERS.test(target)) return [];
  return [flag('wrong_script', 'Vietnamese without any Vietnamese diacritics (untranslated, or accents stripped)')];
}

const isVietnamese = (lang: string): boolean => languagesMatch('vi', lang) > 0;

/** Letter counts per script, with kana and kanji both counted as Japanese. */
function letters(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [script, n] of countScripts(text.replace(ADDRESS, ' ').replace(ACRONYM, ' '))) {
    const key = script === 'Kana' ? 'Jpan' : script;
    counts.set(key, (counts.get(key) ?? 0) + n);
  }
  return counts;
}

function total(counts: Map<string, number>): number {
  let sum = 0;
  for (const n of counts.values()) sum += n;
  return sum;
}

/** Share of letters in `expected`; Japanese is written in kana and kanji alike. */
function share(counts: Map<string, number>, expected: ScriptName): number {
  const own = (counts.get(expected) ?? 0) + (expected === 'Jpan' ? counts.get('Hani') ?? 0 : 0);
  return own / Math.max(1, total(counts));
}

/** A word in one alphabetic script; "ShotariyaとNeitri" is two words and a particle. */
const FOREIGN_WORD = /[\p{Script=Latin}\p{N}_]+|\p{Script=Cyrillic}+|\p{Script=Greek}+|\p{Script=Arabic}+|\p{Script=Hebrew}+/gu;

/** `target` without the words (in another script than `expected`) it copies from `source`. */
function withoutCopiedWords(target: string, source: string, expected: ScriptName): string {
  const sourceWords = new Set((source.match(FOREIGN_WORD) ?? []).map((w) => w.toLowerCase()));
  return target.replace(FOREIGN_WORD, (word) => (sourceWords.has(word.toLowerCase()) && detectScript(word) !== expected ? ' ' : word));
}

function scriptName(script: string): string {
  return script === 'Hani' ? 'Han (Chinese)' : SCRIPT_NAMES.of(script) ?? script;
}

/** NFKC, lower case, letters and digits only, placeholders out: what "the same text" means. */
function comparable(text: CheckedText): string {
  const facts = factsOf(text);
  if (facts.comparable === undefined) {
    let plain = facts.normal;
    const tokens = facts.normalPlaceholders;
    for (let i = tokens.length - 1; i >= 0; i--) plain = plain.slice(0, tokens[i].start) + plain.slice(tokens[i].end);
    facts.comparable = plain.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  }
  return facts.comparable;
}

/**
 * A translation that is the source again (ignoring case, spacing, punctuation and placeholders).
 * Across scripts (English source, Thai target) that is untranslated unless it is name-like
 * ("VRChat", "OK", "2P VS", "v1.2", a URL) or restyled in capitals ("Easy" → "EASY": a
 * translator's decision). Within one script, short texts are often rightly the same ("Menu",
 * "Video", "Pause", "Normal", technical terms), so only a phrase of three or more words and 15+
 * letters counts.
 */
export function checkUntranslated(sourceText: CheckedText, targetText: CheckedText, sourceLang: string | undefined, targetLang: string | undefined): QaFlag[] {
  if (sourceLang && targetLang && languagesMatch(sourceLang, targetLang) > 0) return [];
  const [src, tgt] = [factsOf(sourceText), factsOf(targetText)];
  const [source, target] = [src.text, tgt.text];
  const text = comparable(src);
  if (text !== comparable(tgt) || !/\p{L}.*\p{L}/u.test(text) || isRestyled(source, target)) return [];
  const expected = targetLang ? expectedScript(targetLang) : undefined;
  const written = detectScript(source);
  // A "source" cell not in the source language (English log text in a JP column) copied into the
  // English column is that column's own language: nothing was left untranslated there.
  const sourceScript = sourceLang ? expectedScript(sourceLang) : undefined;
  if (sourceScript && written && !sameScript(written, sourceScript) && written === expected) return [];
  const isCrossScript = !!expected && !!written && !sameScript(written, expected);
  const isUntranslated = isCrossScript ? !isNameLike(source) : isSentence(source);
  return isUntranslated ? [flag('untranslated', 'identical to the source: left untranslated?')] : [];
}

/** Japanese is written with kanji alone too ("設定"). */
function sameScript(written: ScriptName, expected: ScriptName): boolean {
  return written === expected || (expected === 'Jpan' && written === 'Hani');
}

function isNameLike(text: string): boolean {
  const words = text.trim().split(/\s+/);
  // Every word an acronym or a number ("2P VS", "HP/MP"): a label kept in Latin everywhere.
  if (words.every((word) => /^[A-Z0-9&+/.-]+$/.test(word))) return true;
  // CamelCase, digits, or path/URL characters: a product, file or key name.
  return words.length === 1 && (/\p{Lu}.*\p{Lu}|\d|[./@_:]/u.test(words[0]) || /^[a-z]{1,3}$/.test(comparable(text)));
}

function isRestyled(source: string, target: string): boolean {
  return !/\p{Ll}/u.test(target) && /\p{Ll}/u.test(source);
}

function isSentence(text: string): boolean {
  if (/^\S+$/.test(text.trim())) return false; // one token: a URL, path, key or name
  const words = text.match(/\p{L}{2,}/gu) ?? [];
  return words.length >= 3 && words.join('').length >= 15;
}
