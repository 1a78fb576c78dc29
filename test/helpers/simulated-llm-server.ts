/**
 * The simulated provider's HTTP server: its current options and live stats, and the handling of
 * one request from auth and rate limits through faults and latency to the answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  answeredTexts, modelList, openAiError, parseChatRequest, readBody, routeOf, sendJson, sendJsonText, serialize, simulatedLogprobsJson, sourceIds, sourceTexts,
  translateSource, type Body, type ChatRequest,
} from './simulated-chat-protocol.ts';
import { applyContentFault, errorReply, FAULT_NAMES, mulberry32, pickByProbability, type FaultName } from './simulated-faults.ts';
import { obeyedAnswer } from './simulated-obey.ts';
import type { RequestLogEntry, SimulatedProvider, SimulatedProviderOptions, SimulatedProviderStats } from './simulated-provider-types.ts';
import { RateLimits } from './simulated-rate-limits.ts';
import { invalidate, randomValue, structuredOf, type Structured } from './simulated-structured.ts';
import { Timeline } from './simulated-timeline.ts';
import { tokenCounter, type TokenCounting } from './simulated-tokens.ts';
import { simulatedTranslation } from './simulated-translation.ts';

const DEFAULTS = { latencyMs: 0, latencyJitter: 0, burstWindowMs: 1000, injectedRetryAfterMs: 200, seed: 1, recordTexts: true, rejectLogprobs: false, rejectJsonSchema: false, usage: true, tokenCounting: 'thirds' as TokenCounting };

/** Created through startSimulatedProvider (simulated-provider.ts), which also starts listening. */
export class SimulatedLlmServer implements SimulatedProvider {
  readonly #server: Server;
  #options: SimulatedProviderOptions & typeof DEFAULTS;
  #limits!: RateLimits;
  #faultRandom!: () => number;
  #jitterRandom!: () => number;
  #valueRandom!: () => number;
  #stats = emptyStats();
  #origin = performance.now();
  #timeline = new Timeline(this.#stats.perSecond, this.#origin, 0);
  #faultIndex = 0;
  #answerCount = 0;
  #port = 0;
  #closing?: Promise<void>;

  constructor(options: SimulatedProviderOptions) {
    this.#options = withDefaults(options);
    this.#limits = new RateLimits(this.#options.rpm, this.#options.tpm, this.#options.burstWindowMs);
    this.#reseed(this.#options.seed);
    this.#server = createServer((req, res) => void this.#handle(req, res).catch(() => res.destroy()));
  }

  get baseUrl(): string { return `http://127.0.0.1:${this.#port}/v1`; }
  get port(): number { return this.#port; }
  get stats(): SimulatedProviderStats { return this.#stats; }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  setOptions(partial: Omit<SimulatedProviderOptions, 'port'>): void {
    this.#options = withDefaults({ ...this.#options, ...partial });
    const { rpm, tpm, burstWindowMs, seed } = this.#options;
    if ('rpm' in partial || 'tpm' in partial || 'burstWindowMs' in partial) this.#limits = new RateLimits(rpm, tpm, burstWindowMs);
    if ('seed' in partial) this.#reseed(seed);
  }

  reset(): void {
    const { inFlight } = this.#stats;
    this.#stats = { ...emptyStats(), inFlight, maxConcurrent: inFlight };
    this.#origin = performance.now();
    this.#timeline = new Timeline(this.#stats.perSecond, this.#origin, inFlight);
    this.#faultIndex = 0;
  }

  /** Idempotent, so a test's own close() and a shared after() hook can both call it. */
  close(): Promise<void> {
    this.#closing ??= new Promise((resolve, reject) => {
      this.#server.close((error) => (error ? reject(error) : resolve()));
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  #reseed(seed: number): void {
    this.#faultRandom = mulberry32(seed);
    // A separate stream, so changing the latency does not change which requests get faults.
    this.#jitterRandom = mulberry32(seed ^ 0x9e3779b9);
    // And another for structured answers' values, so they do not move the faults either.
    this.#valueRandom = mulberry32(seed ^ 0x5bd1e995);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    this.#enter(res);
    this.#limits.writeHeaders(res, performance.now());
    const route = routeOf(req.method, req.url);
    if (route === 'unknown') return sendJson(res, 404, openAiError(`Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url'));
    if (!this.#isAuthorized(req)) return sendJson(res, 401, openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    if (route === 'models') return sendJson(res, 200, modelList(this.#options.models));
    const parsed = parseChatRequest(await readBody(req), tokenCounter(this.#options.tokenCounting));
    if (typeof parsed === 'string') return sendJson(res, 400, openAiError(parsed, 'invalid_request_error', null));
    await this.#chat(res, { ...parsed, receivedAt });
  }

  #enter(res: ServerResponse): void {
    const stats = this.#stats;
    stats.requests++;
    this.#timeline.openChanged(performance.now(), +1);
    stats.inFlight++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.inFlight);
    // The stats object may have been replaced by reset() meanwhile; decrement the live one.
    res.once('close', () => {
      this.#timeline.openChanged(performance.now(), -1);
      this.#stats.inFlight--;
    });
  }

  #isAuthorized(req: IncomingMessage): boolean {
    const { apiKey } = this.#options;
    return apiKey === undefined || req.headers.authorization === `Bearer ${apiKey}`;
  }

  async #chat(res: ServerResponse, request: ChatRequest): Promise<void> {
    const { models, translate = simulatedTranslation, obeyInstructions } = this.#options;
    if (models && !models.includes(request.model)) {
      this.#log(request, 404);
      return sendJson(res, 404, openAiError(`The model \`${request.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }
    if (request.logprobs && this.#options.rejectLogprobs) {
      this.#log(request, 400);
      return sendJson(res, 400, openAiError('Unrecognized request argument supplied: logprobs', 'invalid_request_error', null));
    }
    if (request.responseType === 'json_schema' && this.#options.rejectJsonSchema) {
      this.#log(request, 400);
      return sendJson(res, 400, openAiError("Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", 'invalid_request_error', null));
    }
    const structured = structuredOf(request);
    const translated = structured
      ? this.#structuredAnswer(request, structured)
      : translateSource(request.source, request.lang, (text, lang) => (obeyInstructions ? obeyedAnswer(text) : undefined) ?? translate(text, lang, { repair: request.repair }));
    const cost = request.promptTokens + tokenCounter(this.#options.tokenCounting)(serialize(translated));
    const now = performance.now();
    const waitMs = this.#limits.admit(cost, now);
    this.#limits.writeHeaders(res, now);
    this.#countAdmission(now, cost, waitMs);
    if (waitMs > 0) return this.#sendRateLimited(res, request, waitMs, 'Rate limit reached for requests or tokens per minute.');
    const fault = this.#pickFault(request);
    if (fault) this.#timeline.at(now).faulted++;
    if (fault === 'hang') return this.#log(request, 0, fault);
    await sleep(this.#latency());
    if (!res.destroyed) this.#answer(res, request, structured ? this.#invalidated(request, structured, translated, fault) : translated, fault);
  }

  /** A value valid against the schema for every id of the user message, as constrained decoding gives. */
  #structuredAnswer(request: ChatRequest, structured: Structured): Body {
    const ids = sourceIds(request.source);
    return Object.fromEntries(ids.map((id) => [id, randomValue(structured.rowSchema(id), this.#valueRandom, structured.root)]));
  }

  /** The rows `invalidResult` names (and, with the `schemaInvalid` fault, about half, the first always) made invalid. */
  #invalidated(request: ChatRequest, structured: Structured, answer: Body, fault: FaultName | undefined): Body {
    if (typeof answer === 'string' || typeof request.source === 'string') return answer;
    const source = request.source;
    const out = { ...answer };
    Object.keys(out).forEach((id, i) => {
      const byRow = this.#options.invalidResult?.(source[id], { repair: request.repair }) ?? false;
      const byFault = fault === 'schemaInvalid' && (i === 0 || this.#faultRandom() < 0.5);
      if (byRow || byFault) out[id] = invalidate(out[id], structured.rowSchema(id), structured.root);
    });
    return out;
  }

  #answer(res: ServerResponse, request: ChatRequest, translated: Body, fault: FaultName | undefined): void {
    if (fault === 'resetConnection') {
      this.#log(request, 0, fault);
      return void res.socket?.destroy();
    }
    if (fault === 'rate429') return this.#sendRateLimited(res, request, this.#options.injectedRetryAfterMs, 'Simulated rate limit.', fault);
    const error = errorReply(fault);
    if (error) {
      // Headers already set for this response (the limits') are what a bare 429 lacks.
      if (error.bare) for (const name of res.getHeaderNames()) res.removeHeader(name);
      this.#log(request, error.status, fault);
      return sendJson(res, error.status, error.body);
    }
    if (fault === 'rate500' || fault === 'rate503') {
      this.#log(request, fault === 'rate500' ? 500 : 503, fault);
      return sendJson(res, fault === 'rate500' ? 500 : 503, openAiError('The server had an error while processing your request.', 'server_error', null));
    }
    this.#sendCompletion(res, request, translated, fault);
  }

  #countAdmission(now: number, cost: number, waitMs: number): void {
    const second = this.#timeline.at(now);
    second.requests++;
    if (waitMs > 0) second.limited++;
    else {
      second.admitted++;
      second.admittedTokens += cost;
    }
    this.#timeline.levels(now, this.#limits.levels(now));
  }

  #sendCompletion(res: ServerResponse, request: ChatRequest, translated: Body, fault: FaultName | undefined): void {
    const shaped = applyContentFault(translated, fault, request.payload);
    const completionTokens = tokenCounter(this.#options.tokenCounting)(shaped.content ?? '');
    const { tokenLogprob = () => Math.log(0.95) } = this.#options;
    this.#stats.promptTokens += request.promptTokens;
    this.#stats.completionTokens += completionTokens;
    this.#countTranslated(request, shaped.answeredIds);
    this.#log(request, 200, fault);
    const completion = JSON.stringify({
      id: `chatcmpl-sim-${++this.#answerCount}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: shaped.content, refusal: null }, logprobs: null, finish_reason: shaped.finishReason }],
      ...(this.#options.usage ? { usage: { prompt_tokens: request.promptTokens, completion_tokens: completionTokens, total_tokens: request.promptTokens + completionTokens } } : {}),
    });
    // The logprobs, serialized apart (simulatedLogprobsJson), take the place of their null.
    const logprobs = request.logprobs && shaped.content !== null ? simulatedLogprobsJson(shaped.content, tokenLogprob) : 'null';
    const at = completion.lastIndexOf('"logprobs":null');
    sendJsonText(res, 200, `${completion.slice(0, at)}"logprobs":${logprobs}${completion.slice(at + '"logprobs":null'.length)}`);
  }

  #sendRateLimited(res: ServerResponse, request: ChatRequest, waitMs: number, message: string, fault?: FaultName): void {
    const ms = Math.max(1, Math.ceil(waitMs));
    this.#log(request, 429, fault);
    sendJson(res, 429, openAiError(message, 'rate_limit_exceeded', 'rate_limit_exceeded'), { 'retry-after': String(this.#options.retryAfterWholeSeconds ? Math.ceil(ms / 1000) : ms / 1000), 'retry-after-ms': String(ms) });
  }

  #pickFault(request: ChatRequest): FaultName | undefined {
    const context = { requestIndex: this.#faultIndex++, ids: sourceIds(request.source), texts: sourceTexts(request.source), lang: request.lang };
    const { faultPlan, faults = {} } = this.#options;
    const fault = faultPlan ? faultPlan(context) : pickByProbability(faults, this.#faultRandom());
    if (fault) this.#stats.faultsInjected[fault]++;
    return fault;
  }

  #latency(): number {
    const { latencyMs, latencyJitter } = this.#options;
    return Math.max(0, latencyMs * (1 + latencyJitter * (2 * this.#jitterRandom() - 1)));
  }

  #countTranslated(request: ChatRequest, answeredIds: string[] | 'all'): void {
    const { source, lang } = request;
    for (const text of answeredTexts(source, answeredIds)) {
      if (typeof text !== 'string') continue;
      const key = `${lang}\u0000${text}`;
      this.#stats.translatedIds.set(key, (this.#stats.translatedIds.get(key) ?? 0) + 1);
    }
  }

  #log(request: ChatRequest, status: number, fault?: FaultName): void {
    const stats = this.#stats;
    if (status === 200) stats.ok++;
    else if (status === 429) stats.status429++;
    else if (status >= 500) stats.status5xx++;
    const record = this.#options.recordTexts;
    const texts = record ? sourceTexts(request.source) : [];
    const entry: RequestLogEntry = {
      at: performance.now() - this.#origin, receivedAt: (request.receivedAt ?? performance.now()) - this.#origin, lang: request.lang, ids: sourceIds(request.source), texts, status, repair: request.repair, logprobs: request.logprobs,
      payload: record ? request.payload : '', instructions: record ? request.instructions : [],
    };
    if (fault) entry.fault = fault;
    if (request.responseType) entry.responseType = request.responseType;
    stats.requestLog.push(entry);
  }
}

function emptyStats(): SimulatedProviderStats {
  const faultsInjected = Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>;
  return { requests: 0, ok: 0, status429: 0, status5xx: 0, faultsInjected, promptTokens: 0, completionTokens: 0, translatedIds: new Map(), requestLog: [], inFlight: 0, maxConcurrent: 0, perSecond: [] };
}

/** Unref'd so a pending latency timer never keeps a closed server's process alive. */
function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** An option explicitly set to undefined falls back to its default rather than becoming NaN. */
function withDefaults(options: SimulatedProviderOptions): SimulatedProviderOptions & typeof DEFAULTS {
  return { ...DEFAULTS, ...withoutUndefined(options) };
}

/** Also strips the CLI's unset flags, which parse to undefined. */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
