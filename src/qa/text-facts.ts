/**
 * What the checks derive from one text on its own (its tokens, numbers, comparable form),
 * computed at most once per text: the checks used to find the same tokens up to six times per
 * call, and a source checked against several translations can keep them (see SourceMemo).
 * Every value is a pure function of the text, so a remembered one is the one a fresh
 * computation gives; holders must not mutate what they get.
 */
import { findPlaceholders, type Placeholder } from './placeholders.ts';

/** The numbers a text states, as check-numbers.ts reads them (filled there); arrays, as a text has few. */
export interface NumberFacts {
  /** Distinct, outside placeholders and Latin terms ("3D", "MP3"). */
  plain: readonly string[];
  /** Distinct, outside placeholders, Latin terms included. */
  all: readonly string[];
}

const NO_TOKENS: readonly Placeholder[] = Object.freeze([]);

export class TextFacts {
  readonly text: string;
  #placeholders?: readonly Placeholder[];
  #normal?: string;
  #normalPlaceholders?: readonly Placeholder[];
  /** check-tokens.ts: a valid ICU plural/select message. */
  isIcu?: boolean;
  /** check-numbers.ts: whether the text has a digit, and its numbers. */
  hasDigit?: boolean;
  numbers?: NumberFacts;
  /** check-script.ts: the text as compared for "left untranslated". */
  comparable?: string;

  constructor(text: string) {
    this.text = text;
  }

  /** Tokens of the text (findPlaceholders). */
  get placeholders(): readonly Placeholder[] {
    return (this.#placeholders ??= tokensIn(this.text));
  }

  /** The text in NFKC. */
  get normal(): string {
    return (this.#normal ??= this.text.normalize('NFKC'));
  }

  /** Tokens of the NFKC text: those of the text itself when NFKC changes nothing. */
  get normalPlaceholders(): readonly Placeholder[] {
    return (this.#normalPlaceholders ??= this.normal === this.text ? this.placeholders : tokensIn(this.normal));
  }

  /** Forgets the NFKC form and its tokens, once what they were needed for is known (a remembered text keeps only results). */
  dropIntermediates(): void {
    this.#normal = undefined;
    this.#normalPlaceholders = undefined;
  }
}

/** Most texts have no token: they share one empty list. */
function tokensIn(text: string): readonly Placeholder[] {
  const found = findPlaceholders(text);
  return found.length ? found : NO_TOKENS;
}

/** A text as the checks take it: the string, or its facts when a caller already holds them. */
export type CheckedText = string | TextFacts;

export const factsOf = (text: CheckedText): TextFacts => (typeof text === 'string' ? new TextFacts(text) : text);

/** Default bound of a SourceMemo: some 6 MB of facts (about 600 bytes a text). */
const DEFAULT_MAX_TEXTS = 10_000;

/**
 * Facts of source texts, kept across checks: `fanyi check` checks each source cell once per
 * translation column. Bounded; past the bound the oldest half is dropped. One memo per checked
 * sheet, so it goes when the work does. (The executor keeps none: it checks a job's languages one
 * after the other, so a memo would have to hold every source of the job, some 36 MB per 60,000
 * texts of live heap, which V8 lets grow into three times that of peak RSS, for no measurable gain.)
 */
export class SourceMemo {
  readonly #facts = new Map<string, TextFacts>();
  readonly #max: number;

  constructor(maxTexts = DEFAULT_MAX_TEXTS) {
    this.#max = Math.max(1, maxTexts);
  }

  of(text: string): TextFacts {
    let facts = this.#facts.get(text);
    if (!facts) {
      if (this.#facts.size >= this.#max) this.#evict();
      facts = new TextFacts(text);
      this.#facts.set(text, facts);
    }
    return facts;
  }

  get size(): number {
    return this.#facts.size;
  }

  #evict(): void {
    let drop = Math.ceil(this.#max / 2);
    for (const key of this.#facts.keys()) {
      if (drop-- <= 0) break;
      this.#facts.delete(key);
    }
  }
}
