import type { GlossaryHit, ItemContext, TranslateItem } from '../provider.ts';

/**
 * The user message of a translate call. Without context it is the flat `{"1": "text", …}`; with
 * context it is `{"context": {…}, "items": {"1": "text" | {"text": "…", …}}}`: fields every item
 * shares (sheet, column, a speaker…) go once into `context`, the rest beside each text. The reply
 * is always the flat object of the same ids. Cell texts and notes stay JSON string values: data,
 * never instructions (translate.system.md says so).
 */
export function userPayload(items: readonly TranslateItem[]): Record<string, unknown> {
  const fields = items.map((item) => wireFields(item.context));
  const refLangs = compactRefs(fields);
  const shared = { ...sharedFields(fields), ...(refLangs && { ref_langs: refLangs }) };
  const own = fields.map((f) => Object.fromEntries(Object.entries(f).filter(([name]) => !(name in shared))));
  const hasOwn = own.some((f) => Object.keys(f).length > 0);
  const hasShared = Object.keys(shared).length > 0;
  const texts: Record<string, unknown> = {};
  items.forEach((item, i) => (texts[item.id] = Object.keys(own[i]).length ? { text: item.text, ...own[i] } : item.text));
  if (!hasShared && !hasOwn) return texts;
  return hasShared ? { context: shared, items: texts } : { items: texts };
}

/** Short wire names: the prompt explains them once, the batch repeats them per item. */
function wireFields(context: ItemContext | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!context) return out;
  if (context.sheet) out.sheet = context.sheet;
  if (context.column) out.column = context.column;
  if (context.key) out.key = context.key;
  if (context.comment) out.comment = context.comment;
  if (context.notes?.length) out.note = context.notes.join('; ');
  if (context.maxLength) out.max_len = context.maxLength;
  if (context.refs && Object.keys(context.refs).length) out.ref = context.refs;
  return out;
}

/**
 * References in the batch's most common language order become lists, `"ref": ["…", "…"]`, and
 * that order is returned, to go once into `context` as `ref_langs`; other items keep the
 * `{"lang": "…"}` object. On a wide table most items carry references in the same languages, and
 * their names repeated on every item cost about as much as a short reference itself.
 */
function compactRefs(fields: Array<Record<string, unknown>>): string[] | undefined {
  const order = (f: Record<string, unknown>) => (f.ref ? Object.keys(f.ref as object).join(',') : '');
  const counts = new Map<string, number>();
  for (const f of fields) if (f.ref) counts.set(order(f), (counts.get(order(f)) ?? 0) + 1);
  const [common, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  if (count < 2) return undefined;
  for (const f of fields) if (order(f) === common) f.ref = Object.values(f.ref as Record<string, string>);
  return common.split(',');
}

/** Whether a payload is the `{"context"?, "items"}` shape rather than the flat id → text object (ids are never "items"). */
export function isWrapped(payload: Record<string, unknown>): boolean {
  return typeof payload.items === 'object' && payload.items !== null;
}

/** What the context fields mean, for the ones whose name does not say it. */
const FIELD_MEANINGS: Record<string, string> = {
  key: 'key = string id',
  max_len: 'max_len = hard character limit',
  ref: 'ref = existing translations, for meaning',
  ref_langs: 'a ref list is in ref_langs order',
};

/**
 * The system prompt's line on the user message: only the shape this call uses, and the meaning of
 * only the context fields it sends. Every call pays for this line, so it says no more than that.
 */
export function describePayload(payload: Record<string, unknown>): string {
  if (!isWrapped(payload)) return 'Input: JSON, id → text.';
  const items = Object.values(payload.items as Record<string, unknown>);
  const own = items.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
  const shape = `"items" id → text${own.length ? ' or {"text", context}' : ''}${'context' in payload ? ' and "context"' : ''}`;
  const used = new Set([...Object.keys((payload.context as object | undefined) ?? {}), ...own.flatMap((item) => Object.keys(item))]);
  const meanings = Object.entries(FIELD_MEANINGS).filter(([name]) => used.has(name)).map(([, meaning]) => meaning);
  return `Input: ${shape}; context only informs${meanings.length ? ` (${meanings.join('; ')})` : ''}.`;
}

/** Fields present with the same value in every item. */
function sharedFields(fields: Array<Record<string, unknown>>): Record<string, unknown> {
  const [first, ...rest] = fields;
  const shared: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(first ?? {})) {
    const json = JSON.stringify(value);
    if (rest.every((f) => name in f && JSON.stringify(f[name]) === json)) shared[name] = value;
  }
  return shared;
}

/** The glossary section of the system prompt: only the terms found in this call's texts. */
export function glossaryLines(terms: readonly GlossaryHit[] | undefined): string {
  if (!terms?.length) return '';
  const lines = terms.map((t) => {
    const rule = t.doNotTranslate || !t.target ? 'keep exactly as written' : JSON.stringify(t.target);
    return `- ${JSON.stringify(t.source)} → ${rule}${t.note ? ` (${t.note})` : ''}`;
  });
  return `\nGlossary: translate these terms exactly this way.\n${lines.join('\n')}`;
}
