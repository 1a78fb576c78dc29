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

/** Whether the server takes an optional request field: unknown until one call with it is answered or refused. */
type Support = 'unknown' | 'yes' | 'no';

/** Request fields a server may refuse with a 400, dropped for good once that is proven. */
type Optional = 'logprobs' | 'schema';

/** The one transport for real models: the `openai` SDK, with its own retries off (ours decide). */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly #client: OpenAI;
  readonly #config: OpenAiCompatibleConfig;
  /** Per endpoint (one provider per endpoint): what the server was found to take. */
  readonly #support: Record<Optional, Support>;

  constructor(config: OpenAiCompatibleConfig) {
    this.#config = config;
    this.#support = { logprobs: config.logprobs === false ? 'no' : 'unknown', schema: config.jsonMode === false ? 'no' : 'unknown' };
    this.model = config.model;
    // Local servers (Ollama, vLLM) need no key, but the SDK insists on one.
    this.#client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey || 'not-needed', maxRetries: 0 });
  }

  /**
   * Sends with every optional field the server is not known to refuse (logprobs; a map call's
   * `json_schema` response format). A 400 that may be about one of them is answered by asking
   * again without it; once a call without it is answered, it is never sent to this endpoint
   * again: a server that does not know `logprobs` or `json_schema` would answer every call with a 400.
   */
  async translate(request: TranslateRequest): Promise<ProviderReply> {
    const fields = new Set<Optional>();
    if (this.#support.logprobs !== 'no') fields.add('logprobs');
    if (request.payload?.schema && this.#support.schema !== 'no') fields.add('schema');
    const dropped: Optional[] = [];
    for (;;) {
      try {
        const reply = await this.#complete(request, fields);
        for (const field of fields) this.#support[field] = 'yes';
        for (const field of dropped) this.#support[field] = 'no';
        return reply;
      } catch (error) {
        const suspect = error instanceof ProviderError ? this.#suspect(error, fields) : undefined;
        if (!suspect) throw error;
        fields.delete(suspect);
        dropped.push(suspect);
      }
    }
  }

  /**
   * The optional field a 400 may be about: the one it names; else, while unproven, the schema
   * first (fewer servers know it), then logprobs. Once a call with a field was answered, only a
   * 400 that names it is about it (any other concerns that call's content, handled upstream).
   */
  #suspect(error: ProviderError, fields: ReadonlySet<Optional>): Optional | undefined {
    if (error.kind !== 'bad_request' || error.status === 404) return undefined;
    const named = (['schema', 'logprobs'] as const).find((field) => fields.has(field) && NAMES[field].test(error.message));
    return named ?? (['schema', 'logprobs'] as const).find((field) => fields.has(field) && this.#support[field] === 'unknown');
  }

  async #complete(request: TranslateRequest, fields: ReadonlySet<Optional>): Promise<ProviderReply> {
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
            ...this.#responseFormat(request, fields.has('schema')),
            ...(fields.has('logprobs') ? { logprobs: true } : {}),
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

  /** `json_schema` when the call has a schema and the server is not known to refuse it, else `json_object` (off with `jsonMode: false`). */
  #responseFormat(request: TranslateRequest, withSchema: boolean) {
    const schema = request.payload?.schema;
    if (schema && withSchema) return { response_format: { type: 'json_schema' as const, json_schema: { name: schema.name, schema: schema.schema, strict: schema.strict } } };
    return this.#config.jsonMode === false ? {} : { response_format: { type: 'json_object' as const } };
  }
}

/** How a 400 names each optional field. */
const NAMES: Record<Optional, RegExp> = { logprobs: /logprob/i, schema: /json_schema|response_format|schema/i };

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
