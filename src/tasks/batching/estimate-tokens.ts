import { memoize } from '../../workbook/language-codes.ts';

/**
 * Token estimates without a tokenizer: good to ~20% on BPE models (cl100k/o200k, Qwen), which is
 * what budgeting needs. ASCII runs cost ~1 token per 4 characters; CJK, Thai and other scripts
 * ~1 token per character (Thai and Hangul often more than one). Errs high on purpose.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4 + other * 1.1);
}

/** Target scripts that take more tokens than the source: Thai and Vietnamese diacritics tokenize poorly. */
const OUTPUT_FACTOR: Record<string, number> = { th: 2.2, vi: 1.6, ko: 1.3, ja: 1.3, ru: 1.6, ar: 1.6, he: 1.6, hi: 2.5, el: 1.8 };

/** Expected reply tokens for a source text translated into `targetLang`. */
export function estimateOutputTokens(sourceText: string, targetLang: string, sourceTokens = estimateTokens(sourceText)): number {
  return Math.ceil(sourceTokens * outputFactor(targetLang));
}

/** Reply tokens per source token for a language; Latin-script output of CJK source takes ~1.5× the characters but about as many tokens. */
const outputFactor = memoize((targetLang: string): number => OUTPUT_FACTOR[targetLang.split('-')[0].toLowerCase()] ?? 1.3);

/**
 * Tokens of one call that are not its items: the system prompt and the JSON around the texts.
 * The executor adds it to each call's reservation, the packer leaves room for it, `estimate`
 * and the API's analysis count it per call.
 */
export const PROMPT_OVERHEAD_TOKENS = 250;

/** JSON framing per item in the request and reply: `"123": "…",`. */
export const ITEM_OVERHEAD_TOKENS = 6;

/** What one item costs in a call, JSON framing included: its share of the prompt and of the reply. */
export function estimateItemTokens(sourceText: string, targetLang: string): { input: number; output: number } {
  const sourceTokens = estimateTokens(sourceText);
  return { input: sourceTokens + ITEM_OVERHEAD_TOKENS, output: estimateOutputTokens(sourceText, targetLang, sourceTokens) + ITEM_OVERHEAD_TOKENS };
}
