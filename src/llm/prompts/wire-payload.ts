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
  const shared = sharedFields(fields);
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
