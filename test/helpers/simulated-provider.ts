/**
 * A simulated OpenAI-compatible chat-completions server for tests and benchmarks (the product
 * never imports it). It speaks the same wire protocol as the real providers: the system prompt
 * names the target language as `[pt-BR]`, the last user message is a JSON object of id → source
 * text, and the reply content is the same ids mapped to {@link simulatedTranslation}s.
 *
 * Rate limits, latency and faults are configurable and reproducible (seeded PRNG), so a test can
 * assert how the engine recovers, and a benchmark can measure throughput against known limits.
 *
 * Run directly for a standalone server:
 * `node --import tsx test/helpers/simulated-provider.ts --port 8787 --latency 300 --rpm 1200`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { estimateTokens, parseTargetLanguage, simulatedTranslation } from './simulated-translation.ts';

/** Fault names, in the order their probabilities are stacked on one PRNG draw. */
export const FAULT_NAMES = ['rate429', 'rate500', 'rate503', 'badJson', 'dropId', 'extraId', 'truncate', 'hang', 'resetConnection'] as const;

/**
 * - `rate429`/`rate500`/`rate503`: that HTTP status with an OpenAI error body.
 * - `badJson`: 200, but the content is `id: text` lines instead of JSON.
 * - `dropId`: 200, the last id is missing. `extraId`: 200, one unknown id is added.
 * - `truncate`: 200 with `finish_reason: 'length'` and the content cut in half.
 * - `hang`: never answers (until the client aborts or the server closes).
 * - `resetConnection`: the socket is destroyed without a response.
 */
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultContext {
  /** 0-based index among chat requests that passed auth, validation and rate limits. */
  requestIndex: number;
  ids: string[];
  lang: string;
}

export interface SimulatedProviderOptions {
  /** Default 0: a random free port. The host is always 127.0.0.1. */
  port?: number;
  /** Delay before every chat answer (not before 401/404/429 from limits). Default 0. */
  latencyMs?: number;
  /** Fraction of `latencyMs` added or removed at random, e.g. 0.25 for ±25%. Default 0. */
  latencyJitter?: number;
  /** Requests per minute; unlimited when unset. */
  rpm?: number;
  /** Tokens per minute, each request costing its prompt estimate plus its completion estimate. */
  tpm?: number;
  /**
   * Burst size of both limits, as the share of a minute's budget usable at once; buckets refill
   * continuously at `limit / 60 s`. Default 1000 (OpenAI quantizes limits to short windows), so
   * rpm 60 allows one request, then one per second. Use 60000 for a whole-minute bucket.
   */
  burstWindowMs?: number;
  /** When set, requests need `Authorization: Bearer <apiKey>` or get 401 `invalid_api_key`. */
  apiKey?: string;
  /** When set, other models get 404 `model_not_found`. */
  models?: string[];
  /** Probability 0..1 of each fault per chat request. */
  faults?: Partial<Record<FaultName, number>>;
  /** Exact control for tests; when set it alone decides faults and `faults` is ignored. */
  faultPlan?: (context: FaultContext) => FaultName | undefined;
  /** `retry-after` of an injected `rate429` fault. Default 200. */
  injectedRetryAfterMs?: number;
  /** Seed of the fault and jitter PRNGs. Default 1. */
  seed?: number;
  /** Replaces {@link simulatedTranslation}. */
  translate?: (text: string, lang: string) => string;
  /** Keep source texts in `requestLog` (counts are always kept). Default true. */
  recordTexts?: boolean;
}

export interface RequestLogEntry {
  /** Milliseconds since the provider started or was last reset. */
  at: number;
  lang: string;
  ids: string[];
  /** Empty unless `recordTexts`. */
  texts: string[];
  /** HTTP status, or 0 when no response was sent (`hang`, `resetConnection`). */
  status: number;
  fault?: FaultName;
}

export interface SimulatedProviderStats {
  /** Every HTTP request received, on any route. */
  requests: number;
  /** Chat answers with status 200, including those with a content fault. */
  ok: number;
  status429: number;
  status5xx: number;
  faultsInjected: Record<FaultName, number>;
  /** Summed over 200 answers only, as a provider would bill. */
  promptTokens: number;
  completionTokens: number;
  /** `${lang}\u0000${sourceText}` → times a usable translation was delivered (not after badJson/truncate). */
  translatedIds: Map<string, number>;
  requestLog: RequestLogEntry[];
  inFlight: number;
  maxConcurrent: number;
}

export interface SimulatedProvider {
  /** E.g. `http://127.0.0.1:PORT/v1`, ready for `new OpenAI({ baseURL })`. */
  readonly baseUrl: string;
  readonly port: number;
  /** The live counters; a new object after {@link reset}. */
  readonly stats: SimulatedProviderStats;
  /**
   * Shallow-merges options at runtime (not `port`; `faults` is replaced whole, `undefined` restores
   * a default or removes a limit). Changed limits start with full buckets; a new seed restarts the PRNGs.
   */
  setOptions(partial: Omit<SimulatedProviderOptions, 'port'>): void;
  /** Zeroes the stats and the fault request index; rate-limit buckets are untouched. */
  reset(): void;
  /** Destroys every socket, hung requests included, then stops listening. */
  close(): Promise<void>;
}

interface ChatRequest {
  model: string;
  lang: string;
  promptTokens: number;
  /** The parsed user JSON object, or the raw user text when it is not one. */
  source: Record<string, unknown> | string;
}

type Body = Record<string, unknown> | string;

const DEFAULTS = { latencyMs: 0, latencyJitter: 0, burstWindowMs: 1000, injectedRetryAfterMs: 200, seed: 1, recordTexts: true };

/** Starts listening and resolves once the port is known. */
export async function startSimulatedProvider(options: SimulatedProviderOptions = {}): Promise<SimulatedProvider> {
  const provider = new SimulatedLlmServer(options);
  await provider.listen(options.port ?? 0);
  return provider;
}

class SimulatedLlmServer implements SimulatedProvider {
  readonly #server: Server;
  #options: SimulatedProviderOptions & typeof DEFAULTS;
  #limits!: RateLimits;
  #faultRandom!: () => number;
  #jitterRandom!: () => number;
  #stats = emptyStats();
  #origin = performance.now();
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
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#enter(res);
    this.#limits.writeHeaders(res, performance.now());
    const route = routeOf(req.method, req.url);
    if (route === 'unknown') return sendJson(res, 404, openAiError(`Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url'));
    if (!this.#isAuthorized(req)) return sendJson(res, 401, openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    if (route === 'models') return sendJson(res, 200, modelList(this.#options.models));
    const parsed = parseChatRequest(await readBody(req));
    if (typeof parsed === 'string') return sendJson(res, 400, openAiError(parsed, 'invalid_request_error', null));
    await this.#chat(res, parsed);
  }

  #enter(res: ServerResponse): void {
    const stats = this.#stats;
    stats.requests++;
    stats.inFlight++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.inFlight);
    // The stats object may have been replaced by reset() meanwhile; decrement the live one.
    res.once('close', () => this.#stats.inFlight--);
  }

  #isAuthorized(req: IncomingMessage): boolean {
    const { apiKey } = this.#options;
    return apiKey === undefined || req.headers.authorization === `Bearer ${apiKey}`;
  }

  async #chat(res: ServerResponse, request: ChatRequest): Promise<void> {
    const { models, translate = simulatedTranslation } = this.#options;
    if (models && !models.includes(request.model)) {
      this.#log(request, 404);
      return sendJson(res, 404, openAiError(`The model \`${request.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }
    const translated = translateSource(request.source, request.lang, translate);
    const waitMs = this.#limits.admit(request.promptTokens + estimateTokens(serialize(translated)), performance.now());
    this.#limits.writeHeaders(res, performance.now());
    if (waitMs > 0) return this.#sendRateLimited(res, request, waitMs, 'Rate limit reached for requests or tokens per minute.');
    const fault = this.#pickFault(request);
    if (fault === 'hang') return this.#log(request, 0, fault);
    await sleep(this.#latency());
    if (!res.destroyed) this.#answer(res, request, translated, fault);
  }

  #answer(res: ServerResponse, request: ChatRequest, translated: Body, fault: FaultName | undefined): void {
    if (fault === 'resetConnection') {
      this.#log(request, 0, fault);
      return void res.socket?.destroy();
    }
    if (fault === 'rate429') return this.#sendRateLimited(res, request, this.#options.injectedRetryAfterMs, 'Simulated rate limit.', fault);
    if (fault === 'rate500' || fault === 'rate503') {
      this.#log(request, fault === 'rate500' ? 500 : 503, fault);
      return sendJson(res, fault === 'rate500' ? 500 : 503, openAiError('The server had an error while processing your request.', 'server_error', null));
    }
    this.#sendCompletion(res, request, translated, fault);
  }

  #sendCompletion(res: ServerResponse, request: ChatRequest, translated: Body, fault: FaultName | undefined): void {
    const shaped = applyContentFault(translated, fault);
    const completionTokens = estimateTokens(shaped.content);
    this.#stats.promptTokens += request.promptTokens;
    this.#stats.completionTokens += completionTokens;
    this.#countTranslated(request, shaped.answeredIds);
    this.#log(request, 200, fault);
    sendJson(res, 200, {
      id: `chatcmpl-sim-${++this.#answerCount}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: shaped.content, refusal: null }, logprobs: null, finish_reason: shaped.finishReason }],
      usage: { prompt_tokens: request.promptTokens, completion_tokens: completionTokens, total_tokens: request.promptTokens + completionTokens },
    });
  }

  #sendRateLimited(res: ServerResponse, request: ChatRequest, waitMs: number, message: string, fault?: FaultName): void {
    const ms = Math.max(1, Math.ceil(waitMs));
    this.#log(request, 429, fault);
    sendJson(res, 429, openAiError(message, 'rate_limit_exceeded', 'rate_limit_exceeded'), { 'retry-after': String(ms / 1000), 'retry-after-ms': String(ms) });
  }

  #pickFault(request: ChatRequest): FaultName | undefined {
    const context = { requestIndex: this.#faultIndex++, ids: sourceIds(request.source), lang: request.lang };
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
    const texts = this.#options.recordTexts ? sourceTexts(request.source) : [];
    const entry: RequestLogEntry = { at: performance.now() - this.#origin, lang: request.lang, ids: sourceIds(request.source), texts, status };
    if (fault) entry.fault = fault;
    stats.requestLog.push(entry);
  }
}

/**
 * Continuous-refill token bucket. A request larger than the whole bucket is admitted once the
 * bucket is full and drives it negative, so oversized requests neither starve nor go unbilled.
 */
class TokenBucket {
  readonly capacity: number;
  #level: number;
  #updatedAt = performance.now();

  constructor(readonly perMinute: number, burstWindowMs: number) {
    this.capacity = Math.max(1, (perMinute * burstWindowMs) / 60_000);
    this.#level = this.capacity;
  }

  /** Milliseconds until `cost` fits; 0 means it fits now. */
  waitMs(cost: number, now: number): number {
    this.#refill(now);
    const needed = Math.min(cost, this.capacity);
    return this.#level >= needed ? 0 : ((needed - this.#level) * 60_000) / this.perMinute;
  }

  take(cost: number): void { this.#level -= cost; }
  remaining(): number { return Math.max(0, Math.floor(this.#level)); }
  msUntilFull(now: number): number { this.#refill(now); return ((this.capacity - this.#level) * 60_000) / this.perMinute; }

  #refill(now: number): void {
    this.#level = Math.min(this.capacity, this.#level + ((now - this.#updatedAt) * this.perMinute) / 60_000);
    this.#updatedAt = now;
  }
}

/** The requests and tokens buckets together; a request takes from both or from neither. */
class RateLimits {
  readonly #requests?: TokenBucket;
  readonly #tokens?: TokenBucket;

  constructor(rpm: number | undefined, tpm: number | undefined, burstWindowMs: number) {
    if (rpm) this.#requests = new TokenBucket(rpm, burstWindowMs);
    if (tpm) this.#tokens = new TokenBucket(tpm, burstWindowMs);
  }

  /** Takes one request and `tokens` and returns 0, or takes nothing and returns the wait in ms. */
  admit(tokens: number, now: number): number {
    const waitMs = Math.max(this.#requests?.waitMs(1, now) ?? 0, this.#tokens?.waitMs(tokens, now) ?? 0);
    if (waitMs > 0) return waitMs;
    this.#requests?.take(1);
    this.#tokens?.take(tokens);
    return 0;
  }

  writeHeaders(res: ServerResponse, now: number): void {
    for (const [kind, bucket] of [['requests', this.#requests], ['tokens', this.#tokens]] as const) {
      if (!bucket) continue;
      res.setHeader(`x-ratelimit-limit-${kind}`, String(bucket.perMinute));
      res.setHeader(`x-ratelimit-remaining-${kind}`, String(bucket.remaining()));
      res.setHeader(`x-ratelimit-reset-${kind}`, formatReset(bucket.msUntilFull(now)));
    }
  }
}

function emptyStats(): SimulatedProviderStats {
  const faultsInjected = Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<FaultName, number>;
  return { requests: 0, ok: 0, status429: 0, status5xx: 0, faultsInjected, promptTokens: 0, completionTokens: 0, translatedIds: new Map(), requestLog: [], inFlight: 0, maxConcurrent: 0 };
}

function routeOf(method: string | undefined, url = ''): 'chat' | 'models' | 'unknown' {
  const path = url.split('?')[0].replace(/\/+$/, '');
  if (method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return 'chat';
  if (method === 'GET' && (path === '/v1/models' || path === '/models')) return 'models';
  return 'unknown';
}

function parseChatRequest(raw: string): ChatRequest | string {
  const body = parseJsonObject(raw);
  if (!body) return 'The request body must be a JSON object.';
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: unknown; content?: unknown }>) : [];
  if (messages.length === 0) return "'messages' must be a non-empty array.";
  const system = messages.find((message) => message.role === 'system') ?? messages[0];
  const user = [...messages].reverse().find((message) => message.role === 'user') ?? messages[messages.length - 1];
  const userText = contentText(user.content);
  const promptTokens = estimateTokens(messages.map((message) => contentText(message.content)).join(''));
  return { model: String(body.model ?? ''), lang: parseTargetLanguage(contentText(system.content)), promptTokens, source: parseJsonObject(userText) ?? userText };
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
function translateSource(source: Body, lang: string, translate: (text: string, lang: string) => string): Body {
  if (typeof source === 'string') return translate(source, lang);
  return Object.fromEntries(Object.entries(source).map(([id, text]) => [id, typeof text === 'string' ? translate(text, lang) : text]));
}

function applyContentFault(translated: Body, fault: FaultName | undefined): { content: string; finishReason: 'stop' | 'length'; answeredIds: string[] | 'all' } {
  const content = serialize(translated);
  if (fault === 'truncate') return { content: content.slice(0, Math.max(1, Math.floor(content.length / 2))), finishReason: 'length', answeredIds: [] };
  if (fault === 'badJson') return { content: asPlainLines(translated), finishReason: 'stop', answeredIds: [] };
  if (typeof translated === 'string') return { content, finishReason: 'stop', answeredIds: 'all' };
  if (fault === 'dropId') return { content: JSON.stringify(Object.fromEntries(Object.entries(translated).slice(0, -1))), finishReason: 'stop', answeredIds: Object.keys(translated).slice(0, -1) };
  if (fault === 'extraId') return { content: JSON.stringify({ ...translated, [unusedId(translated)]: '⟪extra⟫' }), finishReason: 'stop', answeredIds: 'all' };
  return { content, finishReason: 'stop', answeredIds: 'all' };
}

/** What a model that ignored the JSON instruction writes: readable, but not parseable as JSON. */
function asPlainLines(translated: Body): string {
  if (typeof translated === 'string') return `Here is the translation: ${translated}`;
  return Object.entries(translated).map(([id, text]) => `${id}: ${String(text)}`).join('\n');
}

function unusedId(record: Record<string, unknown>): string {
  let id = 'extra';
  while (id in record) id += '_';
  return id;
}

function pickByProbability(faults: Partial<Record<FaultName, number>>, draw: number): FaultName | undefined {
  let threshold = 0;
  for (const name of FAULT_NAMES) {
    threshold += faults[name] ?? 0;
    if (draw < threshold) return name;
  }
  return undefined;
}

function answeredTexts(source: Body, answeredIds: string[] | 'all'): unknown[] {
  if (answeredIds === 'all') return typeof source === 'string' ? [source] : Object.values(source);
  return typeof source === 'string' ? [] : answeredIds.map((id) => source[id]);
}

const serialize = (body: Body): string => (typeof body === 'string' ? body : JSON.stringify(body));
const sourceIds = (source: Body): string[] => (typeof source === 'string' ? [] : Object.keys(source));
const sourceTexts = (source: Body): string[] => (typeof source === 'string' ? [source] : Object.values(source).map(String));

function modelList(models: string[] = ['simulated']): unknown {
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fanyi-simulated' })) };
}

function openAiError(message: string, type: string, code: string | null): unknown {
  return { error: { message, type, param: null, code } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Unref'd so a pending latency timer never keeps a closed server's process alive. */
function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** OpenAI's reset format: `250ms`, `1.5s`, `6m0s`. */
function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return ms < 60_000 ? `${round(ms / 1000)}s` : `${Math.floor(ms / 60_000)}m${round((ms % 60_000) / 1000)}s`;
}

/** Small, fast, seedable PRNG; Math.random cannot be seeded and runs must be reproducible. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An option explicitly set to undefined falls back to its default rather than becoming NaN. */
function withDefaults(options: SimulatedProviderOptions): SimulatedProviderOptions & typeof DEFAULTS {
  return { ...DEFAULTS, ...withoutUndefined(options) };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function cliOptions(args: string[]): SimulatedProviderOptions {
  const faultFlags = FAULT_NAMES.map((name) => [name, `fault-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`] as const);
  const numeric = ['port', 'latency', 'jitter', 'rpm', 'tpm', 'burst-window', 'seed', ...faultFlags.map(([, flag]) => flag)];
  const { values } = parseArgs({ args, options: Object.fromEntries([...numeric, 'api-key', 'models'].map((flag) => [flag, { type: 'string' }])) });
  const number = (flag: string): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || Number.isNaN(Number(raw))) throw new Error(`--${flag} must be a number, got ${String(raw)}`);
    return Number(raw);
  };
  return {
    port: number('port') ?? 8787, latencyMs: number('latency'), latencyJitter: number('jitter'), rpm: number('rpm'), tpm: number('tpm'),
    burstWindowMs: number('burst-window'), seed: number('seed'), apiKey: values['api-key'] as string | undefined,
    models: (values.models as string | undefined)?.split(',').map((model) => model.trim()),
    faults: Object.fromEntries(faultFlags.map(([name, flag]) => [name, number(flag)]).filter(([, rate]) => rate !== undefined)),
    // A long-running server must not grow a text log without bound.
    recordTexts: false,
  };
}

async function main(): Promise<void> {
  const provider = await startSimulatedProvider(withoutUndefined(cliOptions(process.argv.slice(2))));
  console.log(provider.baseUrl);
  const stop = (): void => {
    const { requests, ok, status429, status5xx, faultsInjected } = provider.stats;
    console.log(JSON.stringify({ requests, ok, status429, status5xx, faultsInjected }));
    void provider.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
