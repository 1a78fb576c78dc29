import { flag, type QaFlag } from './qa-flags.ts';

/** One glossary entry for the target language at hand. */
export interface GlossaryTerm {
  /** The term as the source writes it. */
  term: string;
  /** The required translation; absent for do-not-translate terms. */
  translation?: string;
  /** The term must appear verbatim in the translation (brand, product, character name). */
  doNotTranslate?: boolean;
}

/**
 * Glossary terms the source uses must appear in the translation: as their required translation
 * (case-insensitive: it may start a sentence), or verbatim and case-sensitive for do-not-translate
 * terms. Latin terms match whole words only, so "art" is not found in "start"; terms in scripts
 * without spaces (Chinese, Japanese, Thai) match anywhere.
 */
export function checkTerms(source: string, target: string, glossary: readonly GlossaryTerm[]): QaFlag[] {
  const flags: QaFlag[] = [];
  for (const entry of glossary) {
    if (!entry.term.trim() || !contains(source, entry.term, false)) continue;
    if (entry.doNotTranslate) {
      if (!contains(target, entry.term, true)) flags.push(flag('dnt_term_changed', `'${entry.term}' must stay as it is`, { missing: [entry.term] }));
    } else if (entry.translation && !contains(target, entry.translation, false)) {
      flags.push(flag('glossary_term_missing', `'${entry.term}' should be translated as '${entry.translation}'`, { missing: [entry.translation] }));
    }
  }
  return flags;
}

function contains(text: string, term: string, isCaseSensitive: boolean): boolean {
  const escaped = term.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Word boundaries only where the term's own edge is a word character.
  const start = /^[\p{L}\p{N}_]/u.test(term.trim()) && isSpaced(term) ? '(?<![\\p{L}\\p{N}_])' : '';
  const end = /[\p{L}\p{N}_]$/u.test(term.trim()) && isSpaced(term) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(`${start}${escaped}${end}`, isCaseSensitive ? 'u' : 'iu').test(text.normalize('NFC'));
}

/** Scripts that separate words with spaces (Latin, Cyrillic, Greek, Hangul…), unlike Han, kana and Thai. */
function isSpaced(term: string): boolean {
  return !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u.test(term);
}
