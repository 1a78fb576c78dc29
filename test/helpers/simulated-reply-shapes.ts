/**
 * The reply habits of real models and servers, as content faults of the simulated provider: the
 * right answer, written the way a model that ignores `response_format` (or a careless proxy)
 * writes it. Each is decided from the answer and the request payload alone — what a model sees —
 * never from the wording of fanyi's prompt.
 */
import type { Body } from './simulated-chat-protocol.ts';

/** The content faults of this file; see FAULT_NAMES (simulated-faults.ts) for what each does. */
export const REPLY_SHAPE_FAULTS = ['proseAround', 'codeFence', 'trailingComma', 'reorderIds', 'numbersForStrings', 'nullContent', 'echoItems', 'echoTextObjects', 'echoRequest'] as const;

export type ReplyShapeFault = (typeof REPLY_SHAPE_FAULTS)[number];

export function isReplyShapeFault(fault: string | undefined): fault is ReplyShapeFault {
  return (REPLY_SHAPE_FAULTS as readonly string[]).includes(fault ?? '');
}

/**
 * The content of a good answer `translated` (id → text) reshaped by `fault`; null for
 * `nullContent`. `payload` is the raw user message the texts came from, for `echoRequest`.
 */
export function shapeReply(translated: Record<string, unknown>, fault: ReplyShapeFault, payload: string): string | null {
  const json = JSON.stringify(translated);
  switch (fault) {
    case 'proseAround':
      return `Here are the translations:\n${json}\nLet me know if you need anything else!`;
    case 'codeFence':
      return `\`\`\`json\n${JSON.stringify(translated, null, 2)}\n\`\`\``;
    case 'trailingComma':
      return JSON.stringify(translated, null, 2).replace(/\n}$/, ',\n}');
    case 'reorderIds':
      // Numeric-looking keys keep ascending order in a JS object, so the reversed text is built by hand.
      return `{${Object.entries(translated).reverse().map(([id, text]) => `${JSON.stringify(id)}:${JSON.stringify(text)}`).join(',')}}`;
    case 'numbersForStrings':
      return JSON.stringify(Object.fromEntries(Object.entries(translated).map(([id, text]) => [id, asNumber(text)])));
    case 'nullContent':
      return null;
    case 'echoItems':
      return JSON.stringify({ items: translated });
    case 'echoTextObjects':
      return JSON.stringify(Object.fromEntries(Object.entries(translated).map(([id, text]) => [id, { text }])));
    case 'echoRequest':
      return JSON.stringify(echoRequest(payload, translated));
  }
}

/** A text that is a JSON number literal exactly as written (`42`, `-3.5`, not `007` or `1e3`) comes back as that number. */
function asNumber(text: unknown): unknown {
  if (typeof text !== 'string' || !/^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/.test(text)) return text;
  return Number(text);
}

/**
 * The request payload copied with each text replaced by its translation, context and all: a
 * flat `{"1": "text"}` stays flat; `{"context", "items": {"1": {"text", "note"}}}` keeps both.
 */
function echoRequest(payload: string, translated: Record<string, unknown>): Body {
  let request: { items?: unknown };
  try {
    request = JSON.parse(payload) as { items?: unknown };
  } catch {
    return translated;
  }
  if (!request?.items || typeof request.items !== 'object') return translated;
  const items = Object.fromEntries(Object.entries(request.items).map(([id, item]) => [id, withText(item, translated[id])]));
  return { ...request, items };
}

function withText(item: unknown, text: unknown): unknown {
  return item !== null && typeof item === 'object' ? { ...item, text } : text;
}
