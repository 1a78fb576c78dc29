/**
 * `confidence` per item from the reply's token log probabilities: the mean probability of the
 * tokens that make up that item's translation in the reply's JSON. Tokens and text are aligned by
 * UTF-8 bytes, because servers split multi-byte characters (Thai, CJK) across tokens.
 */
import type { TokenLogprob } from '../llm/provider.ts';

interface Span {
  start: number;
  end: number;
}

/**
 * Confidence 0–1 by reply id, or undefined when the reply has no logprobs or they do not line up
 * with its content (a server reporting something else than the content's tokens): no number is
 * better than a wrong one.
 */
export function itemConfidences(content: string, logprobs: readonly TokenLogprob[] | undefined): Map<string, number> | undefined {
  if (!logprobs?.length) return undefined;
  const ends = tokenEnds(logprobs);
  if (ends[ends.length - 1] !== Buffer.byteLength(content)) return undefined;
  const confidences = new Map<string, number>();
  // Spans come in content order, so one sweep over the tokens serves them all (linear, not items × tokens).
  const bytes = new ByteOffsets(content);
  let token = 0;
  for (const [id, span] of valueSpans(content)) {
    const start = bytes.at(span.start);
    const end = bytes.at(span.end);
    while (token < ends.length && ends[token] <= start) token++;
    let sum = 0;
    let n = 0;
    for (let i = token; i < ends.length && (i ? ends[i - 1] : 0) < end; i++) {
      sum += Math.exp(logprobs[i].logprob);
      n++;
    }
    // An empty value has no tokens of its own.
    if (n && end > start) confidences.set(id, Math.round((sum / n) * 10_000) / 10_000);
  }
  return confidences;
}

/** Byte offset where each token ends; `bytes` when the server gave them, else the token's UTF-8 length. */
function tokenEnds(logprobs: readonly TokenLogprob[]): number[] {
  let at = 0;
  return logprobs.map((t) => (at += t.bytes ?? Buffer.byteLength(t.token)));
}

/** UTF-8 byte offsets of increasing character offsets, counted incrementally. */
class ByteOffsets {
  #char = 0;
  #byte = 0;
  constructor(readonly text: string) {}

  at(char: number): number {
    if (char < this.#char) {
      this.#char = 0;
      this.#byte = 0;
    }
    this.#byte += Buffer.byteLength(this.text.slice(this.#char, char));
    this.#char = char;
    return this.#byte;
  }
}

const PAIR = /"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** Character span of each `"key": "value"` string value (inside the quotes), by decoded key. */
export function valueSpans(content: string): Map<string, Span> {
  const spans = new Map<string, Span>();
  for (const match of content.matchAll(PAIR)) {
    const valueStart = match.index + match[0].length - match[2].length - 1;
    spans.set(JSON.parse(`"${match[1]}"`) as string, { start: valueStart, end: valueStart + match[2].length });
  }
  return spans;
}
