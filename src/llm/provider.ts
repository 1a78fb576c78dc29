import type { RateLimitSnapshot } from '../limits/rate-limit-headers.ts';

/**
 * The one contract every model back end implements. A provider sends one batch and returns the
 * raw reply; parsing, validation, retries and limits live outside it so they are the same for all.
 */
export interface TranslateItem {
  /** Short id used on the wire ("1", "2", …), unique within the request. */
  id: string;
  text: string;
  /** What a translator should know about this text; fields shared by every item are sent once. */
  context?: ItemContext;
}

/** Context of one text (seed 000 §3.2.4), as the prompt carries it. Every field is optional. */
export interface ItemContext {
  sheet?: string;
  /** Header of the source column. */
  column?: string;
  /** The row's key/ID, when it says something (`btn_start`, not `key_123`). */
  key?: string;
  /** The source cell's comment. */
  comment?: string;
  /** Note, description or speaker cells of the row, as `Header: value`. */
  notes?: string[];
  /** Hard limit in characters for the translation. */
  maxLength?: number;
  /** Translations of the same text already in the row, by language code (pivot languages). */
  refs?: Record<string, string>;
}

/** A glossary entry whose source term occurs in the texts of a call. */
export interface GlossaryHit {
  source: string;
  /** The required translation into the request's target language; absent for do-not-translate terms. */
  target?: string;
  note?: string;
  /** The term stays exactly as written (brand, character name). */
  doNotTranslate: boolean;
}

/** A source text and its approved translation, shown to the model before a batch (config `prompts.examples`). */
export interface FewShotExample {
  source: string;
  target: string;
}

/** How the prompt is tailored to the request's target language (config `prompts`; see prompts/prompt-style.ts). */
export interface PromptExtras {
  /** Replaces the built-in system template (prompts/translate.system.md); the same `${…}` slots. */
  systemTemplate?: string;
  /** Added to the system prompt: script, punctuation or address conventions of the target language. */
  languageNote?: string;
  /** Sent as one prior user/assistant exchange, in the wire format of the real payload. */
  examples?: FewShotExample[];
}

export interface TranslateRequest {
  sourceLang: string;
  targetLang: string;
  items: TranslateItem[];
  gameContext?: string;
  /** Glossary terms that occur in these items' texts, for the target language. */
  glossary?: GlossaryHit[];
  /** Examples, language note and system template for this target language. */
  prompt?: PromptExtras;
  /** Aborts the HTTP request (cancel, shutdown). */
  signal?: AbortSignal;
  timeoutMs: number;
  /** Estimated prompt + completion tokens, reserved with the limiter before the call. */
  estimatedTokens?: number;
  /**
   * The queue lane of the job the call is for (queue/queue-lanes.ts): the limiter serves waiting
   * calls by lane priority and keeps each lane's reserved share (config `limits.lanes`). Default `translation`.
   */
  lane?: string;
  /**
   * A QA repair call: per wire id, the previous translation and what the checks found wrong with
   * it. The prompt lists them (prompts/repair.user.md); the items are the same source texts.
   */
  repair?: Record<string, RepairNote>;
  /**
   * A call whose messages the caller built (a map job's rows, executor/map-strategy.ts): sent as
   * they are instead of a translation prompt, through the same pool, limiter and retries. `items`
   * still name the call's wire ids (an offline provider answers from them), and `targetLang` is
   * the limiter's kind of call (`map`), as it learns how far each kind's estimates run off.
   */
  payload?: PreparedPayload;
}

/** One chat message, as OpenAI-compatible servers take it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Messages built by the caller, and the JSON Schema the whole reply must match. */
export interface PreparedPayload {
  messages: ChatMessage[];
  /**
   * Sent as `response_format: {type: 'json_schema', json_schema: {name, schema, strict}}` where the
   * endpoint takes it; an endpoint that refuses it gets `json_object` from then on (see
   * OpenAiCompatibleProvider). The prompt must describe the shape too: a fallback call has only it.
   */
  schema?: ReplySchema;
}

export interface ReplySchema {
  /** `^[a-zA-Z0-9_-]{1,64}$`, as OpenAI requires. */
  name: string;
  schema: Record<string, unknown>;
  /** Ask for strict decoding: only for schemas that meet OpenAI's strict subset (map/reply-schema.ts). */
  strict: boolean;
}

/** Why one text is sent again: its rejected translation and the problems, one line each. */
export interface RepairNote {
  previous: string;
  problems: string[];
}

/** One generated token and its log probability, as OpenAI-compatible servers report them. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** UTF-8 byte length of the token, when the server says (a token may hold part of a character). */
  bytes?: number;
}

export interface ProviderReply {
  /** The message content, expected to be a JSON object of the same ids; '' when the server sent `null`. */
  content: string;
  /** The model's refusal message, when it refused instead of answering (content then empty). */
  refusal?: string;
  /** `stop`, or `length` when the reply was cut off by the output limit. */
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  /**
   * The reply carried no `usage` (a proxy or local server dropped it): the token counts are
   * fanyi's estimate of the prompt and the answer, and are reported as estimated.
   */
  tokensEstimated?: boolean;
  model: string;
  /** The `x-ratelimit-*` headers of the reply, when the provider sends them. */
  rateLimit?: RateLimitSnapshot;
  /** Which configured endpoint answered (set by the endpoint pool). */
  endpoint?: string;
  /**
   * How long the call waited, before it was sent, for an endpoint and its limiter's permit (set
   * by the endpoint pool). The call's own latency starts after it.
   */
  waitMs?: number;
  /** The content's tokens with their log probabilities, when the provider returned them. */
  logprobs?: TokenLogprob[];
}

export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  translate(request: TranslateRequest): Promise<ProviderReply>;
  /**
   * The largest `estimatedTokens` a call into `targetLang` should have right now, when the
   * provider's limits make bigger calls costly (see EndpointPool); undefined: no bound beyond the
   * batch budget.
   */
  callTokenLimit?(targetLang?: string): number | undefined;
}

/** How a failed call should be handled; providers map their transport's errors into these. */
export type ProviderErrorKind =
  | 'rate_limit' // 429: wait as told, never a task failure
  | 'timeout'
  | 'server' // 5xx
  | 'network' // reset, refused, DNS
  | 'auth' // 401/403: stop the job
  | 'bad_request' // 400/404/422: stop the job (unknown model, bad parameters)
  | 'quota' // 429 insufficient_quota: the account is out of credit; waiting will not help
  | 'failover' // this endpoint is out of service: try again at once on another
  | 'aborted';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  /** From `retry-after`/`retry-after-ms`, when the provider said how long to wait. */
  readonly retryAfterMs?: number;
  readonly rateLimit?: RateLimitSnapshot;
  /** Which configured endpoint failed (set by the endpoint pool). */
  endpoint?: string;
  /**
   * The call was the probe of an endpoint that had been failing (set by the endpoint pool): its
   * failure says the endpoint is still down, nothing about the texts it carried.
   */
  probe?: boolean;
  /** How long the failed call waited for its permit before it was sent (set by the endpoint pool). */
  waitMs?: number;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; rateLimit?: RateLimitSnapshot; endpoint?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.rateLimit = options.rateLimit;
    this.endpoint = options.endpoint;
  }

  /**
   * Errors that retrying cannot fix and that no other batch would escape: a rejected key, an
   * unknown model. Other 400s may concern one batch's content and are isolated instead.
   */
  get isFatal(): boolean {
    return this.kind === 'auth' || this.kind === 'quota' || (this.kind === 'bad_request' && this.status === 404);
  }
}
