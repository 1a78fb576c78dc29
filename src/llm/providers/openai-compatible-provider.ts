import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { parseRateLimitHeaders } from '../../limits/rate-limit-headers.ts';
import { estimateTokens } from '../../tasks/batching/estimate-tokens.ts';
import { buildTranslateMessages } from '../prompts/build-messages.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type TokenLogprob, type TranslateRequest } from '../provider.ts';

export interface OpenAiCompatibleConfig {
  /** Any OpenAI-compatible endpoint: OpenAI, DashScope compatible mode, DeepSeek, vLLM, Ollama, llama.cpp… */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  temperature?: number;
  /** Ask for `response_format: json_object`; most compatible servers accept it. Default true. */
  jsonMode?: boolean;
  /**
   * Ask for token log probabilities (`logprobs: true`), from which each result's `confidence` is
   * computed. Default true. A server that rejects them is asked again without, and never again.
   */
  logprobs?: boolean;
}

/** Whether the server takes `logprobs`: unknown until one call with them is answered or refused. */
type LogprobSupport = 'unknown' | 'yes' | 'no';

/** The one transport for real models: the `openai` SDK, with its own retries off (ours decide). */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly #client: OpenAI;
  readonly #config: OpenAiCompatibleConfig;
  #logprobs: LogprobSupport;

  constructor(config: OpenAiCompatibleConfig) {
    this.#config = config;
    this.#logprobs = config.logprobs === false ? 'no' : 'unknown';
    this.model = config.model;
    // Local servers (Ollama, vLLM) need no key, but the SDK insists on one.
    this.#client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey || 'not-needed', maxRetries: 0 });
  }

  async translate(request: TranslateRequest): Promise<ProviderReply> {
    const withLogprobs = this.#logprobs !== 'no';
    try {
      const reply = await this.#complete(request, withLogprobs);
      if (withLogprobs) this.#logprobs = 'yes';
      return reply;
    } catch (error) {
      if (!withLogprobs || !(error instanceof ProviderError) || !this.#mayBeLogprobs(error)) throw error;
      // Without this, a server that does not know `logprobs` would answer every call with a 400.
      const reply = await this.#complete(request, false);
      this.#logprobs = 'no';
      return reply;
    }
  }

  /**
   * A 400 while logprobs are unproven may be about them; once a call with them was answered, only
   * a 400 that names them is (any other concerns that call's content and is handled upstream).
   */
  #mayBeLogprobs(error: ProviderError): boolean {
    if (error.kind !== 'bad_request' || error.status === 404) return false;
    return this.#logprobs === 'unknown' || /logprob/i.test(error.message);
  }

  async #complete(request: TranslateRequest, withLogprobs: boolean): Promise<ProviderReply> {
    // Outside the try: a prompt that cannot be built is our bug, not an outage to retry.
    const messages = buildTranslateMessages(request);
    const call = followAbort(request.signal);
    try {
      const { data: completion, response } = await this.#client.chat.completions
        .create(
          {
            model: this.model,
            messages,
            temperature: this.#config.temperature ?? 0.2,
            ...(this.#config.jsonMode === false ? {} : { response_format: { type: 'json_object' as const } }),
            ...(withLogprobs ? { logprobs: true } : {}),
          },
          { signal: call.signal, timeout: request.timeoutMs },
        )
        .withResponse();
      const choice = completion.choices?.[0];
      // A 200 without a message is the server's failure, not a format error to split on. A
      // message whose content is null (a refusal, a reasoning-only answer) is the model's answer
      // about these texts: read as empty, it is split and retried like any unreadable reply.
      if (!choice?.message || (typeof choice.message.content !== 'string' && choice.message.content !== null)) throw new ProviderError('server', 'reply had no message content');
      return {
        content: choice.message.content ?? '',
        ...(choice.message.refusal ? { refusal: choice.message.refusal } : {}),
        finishReason: choice.finish_reason ?? 'stop',
        ...usageOf(completion.usage, messages, choice.message.content ?? ''),
        model: completion.model || this.model,
        rateLimit: parseRateLimitHeaders(response.headers),
        logprobs: tokenLogprobs(choice.logprobs?.content),
      };
    } catch (error) {
      throw toProviderError(error, request.signal);
    } finally {
      call.release();
    }
  }
}

type Usage = Pick<ProviderReply, 'promptTokens' | 'completionTokens' | 'tokensEstimated'>;

/**
 * The reply's `usage`, or, when the server sent none (proxies and local servers drop it), an
 * estimate of the prompt and the answer: counted as zero, the limiter would never learn what
 * calls cost nor leave its slow start, and the job would report 0 tokens.
 */
function usageOf(usage: { prompt_tokens?: number; completion_tokens?: number } | undefined | null, messages: Array<{ content?: unknown }>, content: string): Usage {
  if (typeof usage?.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
    return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
  }
  const prompt = messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? estimateTokens(message.content) : 0), 0);
  return { promptTokens: prompt, completionTokens: estimateTokens(content), tokensEstimated: true };
}

/**
 * A signal for one call that aborts with `signal`. The SDK adds an abort listener to the signal
 * it is given and never removes it: given the run's long-lived signal, that signal gained one
 * listener per call, and each addEventListener walks the whole list (quadratic over a job).
 */
function followAbort(signal: AbortSignal | undefined): { signal?: AbortSignal; release(): void } {
  if (!signal) return { release: () => undefined };
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  return { signal: controller.signal, release: () => signal.removeEventListener('abort', abort) };
}

function tokenLogprobs(content: Array<{ token: string; logprob: number; bytes: number[] | null }> | null | undefined): TokenLogprob[] | undefined {
  if (!content?.length) return undefined;
  return content.map((t) => (t.bytes ? { token: t.token, logprob: t.logprob, bytes: t.bytes.length } : { token: t.token, logprob: t.logprob }));
}

/** Maps the SDK's errors onto our kinds. Messages never include the key or the request body. */
export function toProviderError(error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIUserAbortError || signal?.aborted) return new ProviderError('aborted', 'request aborted', { cause: error });
  if (error instanceof APIConnectionTimeoutError) return new ProviderError('timeout', 'request timed out', { cause: error });
  if (error instanceof APIConnectionError) return new ProviderError('network', `connection failed: ${causeMessage(error)}`, { cause: error });
  if (error instanceof APIError) return fromStatus(error);
  return new ProviderError('network', error instanceof Error ? error.message : String(error), { cause: error });
}

function fromStatus(error: APIError): ProviderError {
  const status = error.status ?? 0;
  const message = `HTTP ${status}: ${shortMessage(error)}`;
  const rateLimit = parseRateLimitHeaders(error.headers);
  if (status === 429 && errorCode(error) === 'insufficient_quota') return new ProviderError('quota', message, { status });
  if (status === 429) return new ProviderError('rate_limit', message, { status, retryAfterMs: retryAfter(error.headers), rateLimit });
  if (status === 401 || status === 403) return new ProviderError('auth', message, { status });
  if (status === 408) return new ProviderError('timeout', message, { status });
  if (status >= 500) return new ProviderError('server', message, { status, retryAfterMs: retryAfter(error.headers) });
  return new ProviderError('bad_request', message, { status });
}

function errorCode(error: APIError): string | undefined {
  const body = error.error as { code?: string; type?: string } | undefined;
  return error.code ?? body?.code ?? body?.type ?? undefined;
}

function shortMessage(error: APIError): string {
  const body = error.error as { message?: string } | undefined;
  return (body?.message ?? error.message).replace(/sk-[A-Za-z0-9_-]{6,}/g, 'sk-…').slice(0, 300);
}

function causeMessage(error: APIConnectionError): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}

/** `retry-after-ms`, then `retry-after` in seconds or as an HTTP date. */
export function retryAfter(headers: Headers | Record<string, string | undefined> | undefined): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]) ?? undefined;
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
