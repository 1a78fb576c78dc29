import { hasIcuChoice, parseIcu } from './icu-message.ts';
import { findPlaceholders, type PlaceholderKind } from './placeholders.ts';
import { describe, difference, flag, type QaCode, type QaFlag } from './qa-flags.ts';
import { factsOf, type CheckedText, type TextFacts } from './text-facts.ts';

/** Which flag a lost or added token raises: format placeholders, markup, or escapes/entities. */
const CODE_OF: Readonly<Record<PlaceholderKind, QaCode>> = {
  'double-brace': 'placeholder_mismatch',
  brace: 'placeholder_mismatch',
  nesting: 'placeholder_mismatch',
  'percent-name': 'placeholder_mismatch',
  printf: 'placeholder_mismatch',
  positional: 'placeholder_mismatch',
  hash: 'placeholder_mismatch',
  'bracket-tag': 'placeholder_mismatch',
  markup: 'markup_mismatch',
  bbcode: 'markup_mismatch',
  escape: 'escape_mismatch',
  entity: 'escape_mismatch',
};

const LABEL: Readonly<Partial<Record<QaCode, string>>> = {
  placeholder_mismatch: 'placeholders',
  markup_mismatch: 'markup tags',
  escape_mismatch: 'escape sequences/entities',
};

/**
 * Placeholders, markup, escapes and entities must be carried over as multisets: same tokens,
 * same number of times, any order (word order changes between languages). In an ICU
 * plural/select message each branch repeats its arguments and the target language may have more
 * or fewer branches, so there only the *set* of tokens must match, and `{…}` tokens are left to
 * checkIcu: `male {He}` is a branch, not a placeholder `{He}`.
 */
export function checkTokens(source: CheckedText, target: CheckedText): QaFlag[] {
  const [src, tgt] = [factsOf(source), factsOf(target)];
  const isIcu = (src.isIcu ??= hasIcuChoice(src.text) && parseIcu(src.text) !== undefined);
  const flags: QaFlag[] = [];
  for (const code of ['placeholder_mismatch', 'markup_mismatch', 'escape_mismatch'] as const) {
    let [want, got] = [tokensOf(src, code, isIcu), tokensOf(tgt, code, isIcu)];
    if (isIcu) [want, got] = [[...new Set(want)], [...new Set(got)]];
    const missing = difference(want, got);
    const extra = withoutTranslatedBrackets(difference(got, want), src.text);
    if (missing.length || extra.length) flags.push(flag(code, `${LABEL[code]} differ: ${describe(missing, extra)}`, { missing, extra }));
  }
  return flags;
}

/**
 * `[RMB]` for `[マウスの右ボタン]`: an upper-case bracket word in the translation, where the
 * source has a bracketed phrase that is no token, is that phrase translated, not a new tag.
 */
function withoutTranslatedBrackets(extra: string[], source: string): string[] {
  if (!extra.length) return extra;
  let phrases = (source.match(/\[[^\[\]\n]{1,60}\]/g) ?? []).filter((text) => !findPlaceholders(text).length).length;
  return extra.filter((token) => !(BRACKET_WORD.test(token) && phrases-- > 0));
}

const BRACKET_WORD = /^\[[A-Z][A-Z0-9_]*\]$/;

function tokensOf(text: TextFacts, code: QaCode, isIcu: boolean): string[] {
  const tokens: string[] = [];
  for (const p of text.placeholders) if (CODE_OF[p.kind] === code && !(isIcu && p.kind === 'brace')) tokens.push(p.token);
  return tokens;
}

/**
 * Real line breaks inside the text (not leading/trailing: that is the whitespace check). People
 * rightly rewrap text for a language that is longer or shorter (a two-line Japanese button label
 * fits on one line in Chinese; a paragraph gains a line in German), so only a text whose
 * line structure is gone is reported: two or more breaks on one side, none on the other — a
 * multi-line text flattened, or one line broken up. Soft.
 */
export function checkLineBreaks(source: string, target: string): QaFlag[] {
  const [want, got] = [innerBreaks(source), innerBreaks(target)];
  if (Math.min(want, got) > 0 || Math.max(want, got) < 2) return [];
  return [flag('line_breaks_differ', `${got} line break${got === 1 ? '' : 's'} where the source has ${want}`)];
}

function innerBreaks(text: string): number {
  return (text.trim().match(/\r\n|\r|\n/g) ?? []).length;
}
