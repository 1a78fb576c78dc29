/**
 * Faults the simulated provider injects, how one is picked per request, and how a content fault
 * reshapes a good answer. Picks come from a seeded PRNG so a failing run can be replayed.
 */
import { serialize, type Body } from './simulated-chat-protocol.ts';
import { isReplyShapeFault, shapeReply } from './simulated-reply-shapes.ts';

/** Fault names, in the order their probabilities are stacked on one PRNG draw. */
export const FAULT_NAMES = [
  'rate429', 'rate500', 'rate503', 'badJson', 'dropId', 'extraId', 'truncate', 'hang', 'resetConnection',
  'proseAround',
  'codeFence',
  'trailingComma',
  'reorderIds',
  'numbersForStrings',
  'nullContent',
  'echoItems',
  'echoTextObjects',
  'echoRequest',
  'quota429',
  'contentFilter400',
  'rate429Bare',
  'schemaInvalid',
] as const;

/**
 * - `rate429`/`rate500`/`rate503`: that HTTP status with an OpenAI error body.
 * - `badJson`: 200, but the content is `id: text` lines instead of JSON.
 * - `dropId`: 200, the last id is missing. `extraId`: 200, one unknown id is added.
 * - `truncate`: 200 with `finish_reason: 'length'` and the content cut in half.
 * - `hang`: never answers (until the client aborts or the server closes).
 * - `resetConnection`: the socket is destroyed without a response.
 * The right answer in the shapes real models and servers write it (simulated-reply-shapes.ts):
 * - `proseAround`: a sentence before the JSON ("Here are the translations:") and one after.
 * - `codeFence`: the JSON, pretty-printed, inside a ```json fence.
 * - `trailingComma`: pretty-printed JSON with a comma after the last entry.
 * - `reorderIds`: the same entries, last id first.
 * - `numbersForStrings`: a translation that is a number literal as written (`42`, `3.5`) is sent
 *   as a JSON number; other texts stay strings.
 * - `nullContent`: `message.content` is `null` (as with a refusal or a reasoning-only answer).
 * - `echoItems`: `{"items": {"1": "…"}}`, the wrapper of the request's context shape.
 * - `echoTextObjects`: `{"1": {"text": "…"}}`, each item as the request's per-item object.
 * - `echoRequest`: the request's JSON copied with each text replaced by its translation, its
 *   `context` and per-item fields kept (a flat request stays flat: the right shape).
 * - `quota429`: 429 with OpenAI's `insufficient_quota` body (out of credit) and no `retry-after`.
 * - `contentFilter400`: 400 with Azure OpenAI's `content_filter` body (the prompt was filtered);
 *   a `faultPlan` on `texts` makes it follow one cell, as a real filter does.
 * - `rate429Bare`: 429 `rate_limit_exceeded` with neither `retry-after(-ms)` nor any
 *   `x-ratelimit-*` header, as some proxies and local servers answer.
 * - `schemaInvalid`: a structured-output answer (simulated-structured.ts) in which about half the
 *   rows, the first always, are invalid against the schema (a required property missing, an enum
 *   value outside the list): what a model writes when the server does not constrain decoding.
 * A model that obeys instructions written in a cell is the `obeyInstructions` option, not a
 * fault: it is a property of the model, not of one request.
 */
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultContext {
  /** 0-based index among chat requests that passed auth, validation and rate limits. */
  requestIndex: number;
  ids: string[];
  /** The request's source texts, in id order (a content filter decides on them). */
  texts: string[];
  lang: string;
}

/** `payload`: the raw user message the texts came from (what a model echoing the request copies). */
export function applyContentFault(translated: Body, fault: FaultName | undefined, payload = ''): { content: string | null; finishReason: 'stop' | 'length'; answeredIds: string[] | 'all' } {
  const content = serialize(translated);
  if (fault === 'truncate') return { content: content.slice(0, Math.max(1, Math.floor(content.length / 2))), finishReason: 'length', answeredIds: [] };
  if (fault === 'badJson') return { content: asPlainLines(translated), finishReason: 'stop', answeredIds: [] };
  if (typeof translated === 'string') return { content, finishReason: 'stop', answeredIds: 'all' };
  if (isReplyShapeFault(fault)) {
    const shaped = shapeReply(translated, fault, payload);
    return { content: shaped, finishReason: 'stop', answeredIds: shaped === null ? [] : 'all' };
  }
  if (fault === 'dropId') return { content: JSON.stringify(Object.fromEntries(Object.entries(translated).slice(0, -1))), finishReason: 'stop', answeredIds: Object.keys(translated).slice(0, -1) };
  if (fault === 'extraId') return { content: JSON.stringify({ ...translated, [unusedId(translated)]: '⟪extra⟫' }), finishReason: 'stop', answeredIds: 'all' };
  return { content, finishReason: 'stop', answeredIds: 'all' };
}

/** The HTTP error an error fault answers with, or undefined for a fault that is not one. */
export function errorReply(fault: FaultName | undefined): { status: number; body: unknown; bare?: boolean } | undefined {
  if (fault === 'quota429') {
    const message = 'You exceeded your current quota, please check your plan and billing details.';
    return { status: 429, body: { error: { message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } } };
  }
  if (fault === 'contentFilter400') {
    const message = "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.";
    return { status: 400, body: { error: { message, type: null, param: 'prompt', code: 'content_filter', status: 400 } } };
  }
  if (fault === 'rate429Bare') return { status: 429, body: { error: { message: 'Too many requests.', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } }, bare: true };
  return undefined;
}

/** What a model that ignored the JSON instruction writes: readable, but not parseable as JSON. */
function asPlainLines(translated: Body): string {
  if (typeof translated === 'string') return `Here is the translation: ${translated}`;
  return Object.entries(translated).map(([id, text]) => `${id}: ${String(text)}`).join('\n');
}

function unusedId(record: Record<string, unknown>): string {
  let id = 'extra';
  while (id in record) id += '_';
  return id;
}

export function pickByProbability(faults: Partial<Record<FaultName, number>>, draw: number): FaultName | undefined {
  let threshold = 0;
  for (const name of FAULT_NAMES) {
    threshold += faults[name] ?? 0;
    if (draw < threshold) return name;
  }
  return undefined;
}

/** Small, fast, seedable PRNG; Math.random cannot be seeded and runs must be reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
