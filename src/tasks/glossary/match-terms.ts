import type { GlossaryHit } from '../../llm/provider.ts';
import { bestLanguageMatch } from '../../workbook/language-codes.ts';
import type { Glossary, GlossaryEntry } from './glossary.ts';

interface CompiledTerm {
  entry: GlossaryEntry;
  pattern: RegExp;
}

/**
 * Finds the glossary terms a batch's texts use, so only those go into its prompt. Matching is
 * the QA check's (src/qa/check-terms.ts): case-insensitive, whole words where the script puts
 * spaces between words ("art" is not in "start"), anywhere in Chinese, Japanese or Thai; and a
 * Latin term next to Chinese counts as a whole word.
 */
export class GlossaryMatcher {
  readonly version: string;
  readonly #terms: CompiledTerm[];
  readonly #byLanguage = new Map<string, Array<{ term: CompiledTerm; hit: GlossaryHit }>>();

  constructor(glossary: Glossary) {
    this.version = glossary.version;
    this.#terms = glossary.entries.map((entry) => ({ entry, pattern: termPattern(entry.source) }));
  }

  get size(): number {
    return this.#terms.length;
  }

  /** Terms for `targetLang` that occur in at least one of `texts`. */
  termsFor(targetLang: string, texts: readonly string[]): GlossaryHit[] {
    // One pass per term over the joined texts, not one per (term, text).
    const haystack = texts.join('\n').normalize('NFC');
    return this.#forLanguage(targetLang).filter(({ term }) => term.pattern.test(haystack)).map(({ hit }) => hit);
  }

  /** The entries that say something for `targetLang`: a translation in a matching column, or do-not-translate. */
  #forLanguage(targetLang: string) {
    let list = this.#byLanguage.get(targetLang);
    if (!list) {
      list = this.#terms.flatMap((term) => {
        const hit = hitFor(term.entry, targetLang);
        return hit ? [{ term, hit }] : [];
      });
      this.#byLanguage.set(targetLang, list);
    }
    return list;
  }
}

/** Of `hits`, those whose source term occurs in one of `texts` (a split half of a batch). */
export function hitsIn(hits: readonly GlossaryHit[] | undefined, texts: readonly string[]): GlossaryHit[] | undefined {
  if (!hits?.length) return undefined;
  const haystack = texts.join('\n').normalize('NFC');
  const found = hits.filter((hit) => termPattern(hit.source).test(haystack));
  return found.length ? found : undefined;
}

function hitFor(entry: GlossaryEntry, targetLang: string): GlossaryHit | undefined {
  const note = entry.note ? { note: entry.note } : {};
  if (entry.doNotTranslate) return { source: entry.source, doNotTranslate: true, ...note };
  const best = bestLanguageMatch(Object.entries(entry.targets), targetLang, ([lang]) => lang);
  return best ? { source: entry.source, target: best[1], doNotTranslate: false, ...note } : undefined;
}

const WORD_CHAR = String.raw`[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Hangul}\p{Script=Armenian}\p{Script=Georgian}\p{N}_]`;

function termPattern(term: string): RegExp {
  const trimmed = term.trim().normalize('NFC');
  const escaped = trimmed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const spaced = !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u.test(trimmed);
  // A word edge is a neighbour that is not a letter of a spaced script: "Star Harbor" is found
  // in "欢迎来到Star Harbor", where Chinese runs straight into the Latin name.
  const start = spaced && /^[\p{L}\p{N}_]/u.test(trimmed) ? `(?<!${WORD_CHAR})` : '';
  const end = spaced && /[\p{L}\p{N}_]$/u.test(trimmed) ? `(?!${WORD_CHAR})` : '';
  return new RegExp(`${start}${escaped}${end}`, 'iu');
}
