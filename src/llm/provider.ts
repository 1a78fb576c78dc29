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
}

export interface ProviderReply {
  /** The message content, expected to be a JSON object of the same ids. */
  content: string;
  /** `stop`, or `length` when the reply was cut off by the output limit. */
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  model: string;
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
  | 'aborted';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  /** From `retry-after`/`retry-after-ms`, when the provider said how long to wait. */
  readonly retryAfterMs?: number;

  constructor(kind: ProviderErrorKind, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Errors that retrying cannot fix and that no other batch would escape: a rejected key, an
   * unknown model. Other 400s may concern one batch's content and are isolated instead.
   */
  get isFatal(): boolean {
    return this.kind === 'auth' || (this.kind === 'bad_request' && this.status === 404);
  }
}
