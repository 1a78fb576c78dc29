/**
 * How the simulated provider counts tokens, for its TPM limit and the `usage` it reports.
 *
 * - `thirds` (default): one token per three UTF-16 code units. Crude but script-blind and stable,
 *   which is what most tests need.
 * - `bpe`: per character class, the rates byte-pair-encoding tokenizers (cl100k_base, o200k_base,
 *   Qwen's) show on real text, so a client's estimates can be wrong the way they are in production:
 *   - ASCII: 4 characters per token (OpenAI: "one token generally corresponds to ~4 characters of
 *     text for common English text");
 *   - Latin letters with diacritics (Latin-1 Supplement, Latin Extended, Vietnamese): 2 per token,
 *     since their two UTF-8 bytes seldom merge with their neighbours;
 *   - Han, kana: 1.25 tokens per character (a common character is one token, a rarer one two or
 *     three byte tokens; measured CJK text comes out at 1–1.5 per character);
 *   - Thai, and every other script (Cyrillic, Arabic, Devanagari, Hangul, symbols such as `⟪`): one
 *     token per character — Thai has no spaces and few merges in these vocabularies.
 */
export type TokenCounting = 'thirds' | 'bpe';

export type CountTokens = (text: string) => number;

/** The default: stable across runs and scripts. */
export function countThirds(text: string): number {
  return Math.ceil(text.length / 3);
}

const HAN_OR_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Tokens of `text` at the BPE-like rates above, rounded up once for the whole text. */
export function countBpeLike(text: string): number {
  let tokens = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) tokens += 0.25;
    else if (code < 0x250 || (code >= 0x1e00 && code < 0x1f00)) tokens += 0.5;
    else if (HAN_OR_KANA.test(char)) tokens += 1.25;
    else tokens += 1;
  }
  return Math.ceil(tokens);
}

export function tokenCounter(counting: TokenCounting): CountTokens {
  return counting === 'bpe' ? countBpeLike : countThirds;
}
