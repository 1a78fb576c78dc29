/**
 * The QA gate for one translation: every check of src/qa/ against its source, in one call. Pure
 * and synchronous, cheap enough to run on every LLM result and on every cell of `fanyi check`.
 */
import { checkIcu } from './check-icu.ts';
import { checkLength } from './check-length.ts';
import { checkNumbers } from './check-numbers.ts';
import { checkScript, checkUntranslated } from './check-script.ts';
import { checkTerms, type GlossaryTerm } from './check-terms.ts';
import { checkFragment } from './check-fragment.ts';
import { checkCorruption, checkWhitespace } from './check-text.ts';
import { checkLineBreaks, checkTokens } from './check-tokens.ts';
import { flag, isHard, qualityScore, type QaFlag } from './qa-flags.ts';
import { TextFacts, type SourceMemo } from './text-facts.ts';

export interface QaInput {
  source: string;
  target: string;
  /** BCP-47; without it a translation identical to its source is judged as same-script. */
  sourceLang?: string;
  /** BCP-47; without it the script and plural-category checks are skipped. */
  targetLang?: string;
  /** Character limit (from a max-length column or a hint: see parseLengthHint). */
  maxLength?: number;
  /** Terms for this target language; only those the source uses are checked. */
  glossary?: readonly GlossaryTerm[];
  /**
   * Facts of source texts kept across calls (a source is checked once per target language);
   * without it each call works them out anew. The flags are the same either way.
   */
  memo?: SourceMemo;
}

export interface QaResult {
  flags: QaFlag[];
  /** True when a flag is hard: the text would break at run time and must not be written unreviewed. */
  hard: boolean;
  /** 0–100, 100 for no flags (see qualityScore). */
  score: number;
}

/** Checks `target` as a translation of `source`. An empty target is one `empty` flag and nothing else. */
export function checkTranslation(input: QaInput): QaResult {
  const flags = collectFlags(input);
  return { flags, hard: isHard(flags), score: qualityScore(flags) };
}

function collectFlags({ source, target, sourceLang, targetLang, maxLength, glossary, memo }: QaInput): QaFlag[] {
  if (!source.trim()) return [];
  if (!target.trim()) return [flag('empty', 'the translation is empty')];
  // Tokens, numbers and the comparable form of each side are worked out once for all checks.
  const [src, tgt] = [memo?.of(source) ?? new TextFacts(source), new TextFacts(target)];
  const untranslated = checkUntranslated(src, tgt, sourceLang, targetLang);
  const tokens = checkTokens(src, tgt);
  const flags = [
    ...tokens,
    ...checkIcu(source, target, targetLang),
    ...checkWhitespace(source, target),
    ...checkLineBreaks(source, target),
    // A broken token ("%1" → "1%") leaves stray digits; the token flag already says it.
    ...(tokens.some((f) => f.severity === 'hard') ? [] : checkNumbers(src, tgt)),
    ...checkLength(target, maxLength),
    ...untranslated,
    // Left in the source language says all a script check would.
    ...(untranslated.length ? [] : checkScript(source, target, targetLang)),
    ...checkCorruption(source, target),
    ...checkFragment(source, target),
    ...checkTerms(source, target, glossary ?? []),
  ];
  // What the remembered source keeps is its checks' results, not their working (see SourceMemo).
  if (memo) src.dropIntermediates();
  return flags;
}
