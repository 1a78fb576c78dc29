import type { ProviderReply } from '../provider.ts';
import { extractJsonObject, type ExtractedObject } from './extract-json.ts';

export type ParsedReply =
  | { ok: true; translations: Map<string, string> }
  | { ok: false; reason: 'truncated' | 'empty' | 'bad_json' | 'not_object' | 'ids_mismatch' | 'not_string'; detail: string };

type Failure = Extract<ParsedReply, { ok: false }>;

/** A reply whose answers are JSON objects (a map call's row results), by id. */
export type ParsedObjects = { ok: true; values: Map<string, Record<string, unknown>> } | Failure;

/**
 * Reads a reply the way real models write it (see extract-json.ts for where the object may be):
 * the flat `{"1": "text"}` asked for, or an echo of the request's shape — `{"items": {…}}`
 * (beside an echoed `"context"`), `{"1": {"text": "…"}}` — with ids in any order and a number
 * where a string was asked (`{"1": 42}` reads as "42"). Only then is it a format error, and the
 * caller splits the batch and retries the halves. Whatever is read here still goes through QA.
 */
export function parseReply(reply: ProviderReply, ids: readonly string[]): ParsedReply {
  if (reply.finishReason === 'length') return { ok: false, reason: 'truncated', detail: 'reply cut off at the output limit (finish_reason=length)' };
  const found = extractJsonObject(reply.content);
  if (!found.ok) return notFound(found, reply);
  return matchIds(answers(found.value, ids), ids);
}

/**
 * Reads a map call's reply as leniently as a translation's (prose, fences, near-JSON, an
 * `{"items": …}` echo, ids in any order): every id must be there, mapped to a JSON object (its
 * row's result, validated against the schema later). Anything else is a format error: split, retried.
 */
export function parseObjectReply(reply: ProviderReply, ids: readonly string[]): ParsedObjects {
  if (reply.finishReason === 'length') return { ok: false, reason: 'truncated', detail: 'reply cut off at the output limit (finish_reason=length)' };
  const found = extractJsonObject(reply.content);
  if (!found.ok) return notFound(found, reply);
  const object = answers(found.value, ids);
  const mismatch = idMismatch(object, ids);
  if (mismatch) return mismatch;
  const values = new Map<string, Record<string, unknown>>();
  for (const id of ids) {
    const value = object[id];
    if (!isRecord(value)) return { ok: false, reason: 'not_object', detail: `id ${id} is not a JSON object: ${JSON.stringify(value)?.slice(0, 60)}` };
    values.set(id, value);
  }
  return { ok: true, values };
}

function notFound(found: Extract<ExtractedObject, { ok: false }>, reply: ProviderReply): Failure {
  const start = reply.content.trim().slice(0, 80);
  switch (found.reason) {
    case 'empty':
      return { ok: false, reason: 'empty', detail: reply.refusal ? `the model refused: ${reply.refusal.slice(0, 200)}` : 'reply had no content' };
    case 'unclosed':
      return { ok: false, reason: 'truncated', detail: `reply's JSON object is never closed: ${start}` };
    case 'no_object':
      return { ok: false, reason: 'not_object', detail: `reply holds no JSON object: ${start}` };
    case 'bad_json':
      return { ok: false, reason: 'bad_json', detail: `reply is not JSON, even repaired: ${start}` };
  }
}

/**
 * The id → answer object: the reply itself, or what it wraps. `items` is the request's own
 * wrapper; a lone object-valued key (`{"translations": {…}}`) is unwrapped only when the reply
 * names none of the ids itself.
 */
function answers(object: Record<string, unknown>, ids: readonly string[]): Record<string, unknown> {
  if (isRecord(object.items) && !ids.includes('items')) return object.items;
  const values = Object.values(object);
  if (values.length === 1 && isRecord(values[0]) && !ids.some((id) => id in object)) return values[0];
  return object;
}

function idMismatch(object: Record<string, unknown>, ids: readonly string[]): Failure | undefined {
  const expected = new Set(ids);
  const missing = ids.filter((id) => !(id in object));
  const extra = Object.keys(object).filter((id) => !expected.has(id));
  if (!missing.length && !extra.length) return undefined;
  return { ok: false, reason: 'ids_mismatch', detail: `missing ids [${missing.slice(0, 5).join(', ')}] extra ids [${extra.slice(0, 5).join(', ')}]` };
}

function matchIds(object: Record<string, unknown>, ids: readonly string[]): ParsedReply {
  const mismatch = idMismatch(object, ids);
  if (mismatch) return mismatch;
  const translations = new Map<string, string>();
  for (const id of ids) {
    const text = answerText(object[id]);
    if (text === undefined) return { ok: false, reason: 'not_string', detail: `id ${id} is not a string` };
    translations.set(id, text);
  }
  return { ok: true, translations };
}

/**
 * One id's answer as text: a string; a finite number in JavaScript's notation (`42` → "42", `1.50` → "1.5"); or the
 * request's per-item object echoed with the translation in `text` (other fields ignored).
 */
function answerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (isRecord(value) && !isRecord(value.text)) return answerText(value.text);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
