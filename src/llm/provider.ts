import type { RateLimitSnapshot } from '../limits/rate-limit-headers.ts';

/**
 * The one contract every model back end implements. A provider sends one batch and returns the
 * raw reply; parsing, validation, retries and limits live outside it so they are the same for all.
 */
export interface TranslateItem {
  /** Short id used on the wire ("1", "2", …), unique within the request. */
  id: string;
  text: string;
}

export interface TranslateRequest {
  sourceLang: string;
  targetLang: string;
  items: TranslateItem[];
  gameContext?: string;
  /** Aborts the HTTP request (cancel, shutdown). */
  signal?: AbortSignal;
  timeoutMs: number;
  /** Estimated prompt + completion tokens, reserved with the limiter before the call. */
  estimatedTokens?: number;
}

export interface ProviderReply {
  /** The message content, expected to be a JSON object of the same ids. */
  content: string;
  /** `stop`, or `length` when the reply was cut off by the output limit. */
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  model: string;
  /** The `x-ratelimit-*` headers of the reply, when the provider sends them. */
  rateLimit?: RateLimitSnapshot;
  /** Which configured endpoint answered (set by the endpoint pool). */
  endpoint?: string;
}

export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  translate(request: TranslateRequest): Promise<ProviderReply>;
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
