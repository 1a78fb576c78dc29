/**
 * The wire format the simulated provider speaks: OpenAI routes, chat request parsing (target
 * language from the system prompt, id → text JSON from the last user message holding JSON —
 * few-shot examples come before it as user/assistant pairs, a QA repair follows it with the
 * previous answer and a user turn listing problems), and JSON replies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { countThirds, type CountTokens } from './simulated-tokens.ts';
import { parseTargetLanguage } from './simulated-translation.ts';

export interface ChatRequest {
  model: string;
  lang: string;
  promptTokens: number;
  /** The parsed user JSON object, or the raw user text when it is not one. */
  source: Record<string, unknown> | string;
  /** The raw text of the message `source` came from: the payload the texts must arrive in. */
  payload: string;
  /** Every other message's text (system prompt, a previous answer, repair notes): where no cell text belongs. */
  instructions: string[];
  /** An assistant turn is present: the client is asking again about its previous answer (a QA repair). */
  repair: boolean;
  /** The request asked for token log probabilities. */
  logprobs: boolean;
  /** `response_format.type`: `json_object`, `json_schema`, or undefined when none was asked for. */
  responseType?: string;
  /** `response_format.json_schema.schema`: the schema the whole reply must match. */
  responseSchema?: Record<string, unknown>;
  /** performance.now() when the request reached the server (set by the server, not parsed). */
  receivedAt?: number;
}

export type Body = Record<string, unknown> | string;

export function routeOf(method: string | undefined, url = ''): 'chat' | 'models' | 'unknown' {
  const path = url.split('?')[0].replace(/\/+$/, '');
  if (method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return 'chat';
  if (method === 'GET' && (path === '/v1/models' || path === '/models')) return 'models';
  return 'unknown';
}

/** `countTokens` prices the prompt: every message's text, as the server's tokenizer counts it. */
export function parseChatRequest(raw: string, countTokens: CountTokens = countThirds): ChatRequest | string {
  const body = parseJsonObject(raw);
  if (!body) return 'The request body must be a JSON object.';
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: unknown; content?: unknown }>) : [];
  if (messages.length === 0) return "'messages' must be a non-empty array.";
  const system = messages.find((message) => message.role === 'system') ?? messages[0];
  const at = payloadIndex(messages);
  const user = messages[at];
  const userText = contentText(user.content);
  const promptTokens = countTokens(messages.map((message) => contentText(message.content)).join(''));
  return {
    model: String(body.model ?? ''),
    lang: parseTargetLanguage(contentText(system.content)),
    promptTokens,
    source: itemTexts(parseJsonObject(userText)) ?? userText,
    payload: userText,
    instructions: messages.filter((message) => message !== user).map((message) => contentText(message.content)),
    repair: messages.slice(at + 1).some((message) => message.role === 'assistant'),
    logprobs: body.logprobs === true,
    ...responseFormat(body.response_format),
  };
}

function responseFormat(format: unknown): Pick<ChatRequest, 'responseType' | 'responseSchema'> {
  if (format === null || typeof format !== 'object') return {};
  const { type, json_schema: jsonSchema } = format as { type?: unknown; json_schema?: { schema?: unknown } };
  const schema = jsonSchema?.schema;
  return {
    ...(typeof type === 'string' ? { responseType: type } : {}),
    ...(schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? { responseSchema: schema as Record<string, unknown> } : {}),
  };
}

/**
 * Where the texts to translate are: the last user message holding a JSON object. Few-shot
 * examples are earlier user/assistant pairs in the same format; a QA repair's notes come after it
 * as plain text. Without any JSON user message: the first user message (or the last message).
 */
function payloadIndex(messages: Array<{ role?: unknown; content?: unknown }>): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user' && parseJsonObject(contentText(messages[i].content))) return i;
  }
  const first = messages.findIndex((message) => message.role === 'user');
  return first >= 0 ? first : messages.length - 1;
}

/**
 * OpenAI-style `logprobs` for `content`, as JSON text: tokens of up to three characters (the same
 * rate as estimateTokens), each with its UTF-8 bytes and the log probability `logprobOf` gives it.
 * Serialized here, each token's fixed part once: JSON.stringify of ~500 token objects per reply
 * was a third of the simulator's time, CPU it took from the client on the same machine.
 */
export function simulatedLogprobsJson(content: string, logprobOf: (token: string) => number): string {
  let json = '{"content":[';
  for (let start = 0; start < content.length; ) {
    // Three code points (a surrogate pair is one).
    let end = start;
    for (let n = 0; n < 3 && end < content.length; n++) end += content.codePointAt(end)! > 0xffff ? 2 : 1;
    const token = content.slice(start, end);
    const [head, tail] = tokenJson(token);
    json += `${start ? ',' : ''}${head}${JSON.stringify(logprobOf(token))}${tail}`;
    start = end;
  }
  return `${json}]}`;
}

const tokenParts = new Map<string, [string, string]>();

/** `{"token":…,"logprob":` and `,"bytes":[…],"top_logprobs":[]}` of one token. */
function tokenJson(token: string): [string, string] {
  let parts = tokenParts.get(token);
  if (!parts) {
    if (tokenParts.size >= 100_000) tokenParts.clear();
    parts = [`{"token":${JSON.stringify(token)},"logprob":`, `,"bytes":[${[...Buffer.from(token, 'utf8')].join(',')}],"top_logprobs":[]}`];
    tokenParts.set(token, parts);
  }
  return parts;
}

/**
 * The id → text map of a user payload: the flat `{"1": "text"}`, or fanyi's shape with context
 * `{"context": {…}, "items": {"1": "text" | {"text": "…", "note": …}}}` (context is not echoed back).
 */
export function itemTexts(payload: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const items = payload?.items;
  if (!payload || items === null || typeof items !== 'object' || Array.isArray(items)) return payload;
  const textOf = (item: unknown) => (item !== null && typeof item === 'object' && 'text' in item ? (item as { text: unknown }).text : item);
  return Object.fromEntries(Object.entries(items).map(([id, item]) => [id, textOf(item)]));
}

/** Message content is a string or an array of parts; only text parts count. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Non-string values are echoed unchanged: the product never sends them, but a reply must not crash. */
export function translateSource(source: Body, lang: string, translate: (text: string, lang: string) => string): Body {
  if (typeof source === 'string') return translate(source, lang);
  return Object.fromEntries(Object.entries(source).map(([id, text]) => [id, typeof text === 'string' ? translate(text, lang) : text]));
}

export function answeredTexts(source: Body, answeredIds: string[] | 'all'): unknown[] {
  if (answeredIds === 'all') return typeof source === 'string' ? [source] : Object.values(source);
  return typeof source === 'string' ? [] : answeredIds.map((id) => source[id]);
}

export const serialize = (body: Body): string => (typeof body === 'string' ? body : JSON.stringify(body));
export const sourceIds = (source: Body): string[] => (typeof source === 'string' ? [] : Object.keys(source));
/** Texts as sent; a map row (an object of fields) as its JSON. */
export const sourceTexts = (source: Body): string[] => (typeof source === 'string' ? [source] : Object.values(source).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));

export function modelList(models: string[] = ['simulated']): unknown {
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fanyi-simulated' })) };
}

export function openAiError(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
