import type { ProviderReply } from '../provider.ts';

export type ParsedReply =
  | { ok: true; translations: Map<string, string> }
  | { ok: false; reason: 'truncated' | 'bad_json' | 'not_object' | 'ids_mismatch' | 'not_string'; detail: string };

/**
 * Accepts a reply only if it is a JSON object with exactly the requested ids, each a string.
 * Anything else is a format error: the caller splits the batch and retries the halves.
 */
export function parseReply(reply: ProviderReply, ids: readonly string[]): ParsedReply {
  if (reply.finishReason === 'length') return { ok: false, reason: 'truncated', detail: 'reply cut off at the output limit (finish_reason=length)' };
  let value: unknown;
  try {
    value = JSON.parse(stripFences(reply.content));
  } catch {
    return { ok: false, reason: 'bad_json', detail: `reply is not JSON: ${reply.content.slice(0, 80)}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'not_object', detail: 'reply is not a JSON object' };
  return matchIds(value as Record<string, unknown>, ids);
}

function matchIds(object: Record<string, unknown>, ids: readonly string[]): ParsedReply {
  const expected = new Set(ids);
  const missing = ids.filter((id) => !(id in object));
  const extra = Object.keys(object).filter((id) => !expected.has(id));
  if (missing.length || extra.length) {
    return { ok: false, reason: 'ids_mismatch', detail: `missing ids [${missing.slice(0, 5).join(', ')}] extra ids [${extra.slice(0, 5).join(', ')}]` };
  }
  const translations = new Map<string, string>();
  for (const id of ids) {
    const text = object[id];
    if (typeof text !== 'string') return { ok: false, reason: 'not_string', detail: `id ${id} is not a string` };
    translations.set(id, text);
  }
  return { ok: true, translations };
}

/** Models sometimes wrap JSON in ```json fences despite json mode. */
function stripFences(content: string): string {
  const trimmed = content.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  return fenced ? fenced[1] : trimmed;
}
