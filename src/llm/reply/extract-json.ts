import { jsonrepair } from 'jsonrepair';

/** The JSON object found in a reply, or why there is none. */
export type ExtractedObject =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: 'empty' | 'no_object' | 'unclosed' | 'bad_json' };

/**
 * The JSON object in a model's reply, as models write it despite json mode: bare, inside a
 * ```json fence, between sentences ("Here are the translations: {…} Let me know…"), or as
 * near-JSON (trailing commas, single quotes, a missing comma) that `jsonrepair` mends.
 *
 * Only a closed object is taken: an object cut off before its last `}` is `unclosed`, never
 * completed by the repair, because its last text may be cut off too and would pass as an answer.
 */
export function extractJsonObject(content: string): ExtractedObject {
  const text = content.trim();
  if (!text) return { ok: false, reason: 'empty' };
  const strict = parseJson(text);
  if (strict.ok) return isRecord(strict.value) ? { ok: true, value: strict.value } : { ok: false, reason: 'no_object' };
  let found: ExtractedObject = { ok: false, reason: text.includes('{') ? 'unclosed' : 'no_object' };
  for (const candidate of [...fencedBlocks(text), text]) {
    const result = objectIn(candidate);
    if (result.ok) return result;
    if (result.reason === 'bad_json') found = result;
  }
  return found;
}

/**
 * The object in one candidate text: its longest balanced `{…}` that parses, then the longest
 * that `jsonrepair` mends. Braces that never balance are a cut-off object, taken by neither.
 */
function objectIn(text: string): ExtractedObject {
  const spans = balancedSpans(text).sort((a, b) => b.length - a.length);
  if (!spans.length) return { ok: false, reason: text.includes('{') ? 'unclosed' : 'no_object' };
  for (const span of spans) {
    const strict = parseObject(span);
    if (strict) return { ok: true, value: strict };
  }
  for (const span of spans) {
    const repaired = parseObject(repair(span));
    if (repaired) return { ok: true, value: repaired };
  }
  return { ok: false, reason: 'bad_json' };
}

/**
 * Every outermost `{…}` whose braces balance, skipping braces inside double-quoted strings (a
 * cell's `{0}` placeholder is inside one). Unbalanced text yields nothing from its last `{` on.
 */
function balancedSpans(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"' && depth > 0) inString = true;
    else if (char === '{' && depth++ === 0) start = i;
    else if (char === '}' && depth > 0 && --depth === 0) spans.push(text.slice(start, i + 1));
  }
  return spans;
}

/** The bodies of Markdown code fences (```json … ```), in order. */
function fencedBlocks(text: string): string[] {
  return [...text.matchAll(/```[a-zA-Z]*[ \t]*\n?([\s\S]*?)```/g)].map((match) => match[1]);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const parsed = parseJson(text);
  return parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function repair(text: string): string {
  try {
    return jsonrepair(text);
  } catch {
    return '';
  }
}
