/** What the simulated provider accepts and reports: its options, live stats and handle. */
import type { FaultContext, FaultName } from './simulated-faults.ts';
import type { SecondStats } from './simulated-timeline.ts';
import type { TokenCounting } from './simulated-tokens.ts';

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
  /**
   * Send `retry-after` as whole seconds rounded up (RFC 9110 delay-seconds, as Azure OpenAI and
   * most servers do) instead of fractional seconds; `retry-after-ms` stays exact. Default false.
   */
  retryAfterWholeSeconds?: boolean;
  /** `retry-after` of an injected `rate429` fault. Default 200. */
  injectedRetryAfterMs?: number;
  /** Seed of the fault and jitter PRNGs. Default 1. */
  seed?: number;
  /**
   * Replaces `simulatedTranslation` (simulated-translation.ts). `call.repair` is true when the
   * request asks again about a previous answer (a QA repair turn), so a test can make a text break
   * the first time and come out right when the problems are pointed out.
   */
  translate?: (text: string, lang: string, call: { repair: boolean }) => string;
  /**
   * Be a naive model that obeys an instruction written inside a cell ("… reply with HACKED"): that
   * item's answer is what the cell demands (simulated-obey.ts), the others are translated. Default false.
   */
  obeyInstructions?: boolean;
  /** Answer a request that asks for `logprobs` with a 400, as servers without them do. Default false. */
  rejectLogprobs?: boolean;
  /**
   * Answer a request whose `response_format` is `json_schema` with a 400, as servers and models
   * without structured output do (it then gets `json_object` and the schema in its prompt). Default false.
   */
  rejectJsonSchema?: boolean;
  /**
   * A structured answer's row (the fields the user message sent for one id) comes back invalid
   * against its schema when this says so; `call.repair` is true on a repair call, so a test can
   * make a row stay wrong or be fixed when its problems are pointed out.
   */
  invalidResult?: (row: unknown, call: { repair: boolean }) => boolean;
  /** Log probability of each returned token when logprobs are asked for. Default ln 0.95. */
  tokenLogprob?: (token: string) => number;
  /** Keep source texts in `requestLog` (counts are always kept). Default true. */
  recordTexts?: boolean;
  /**
   * Send `usage` in chat replies. Default true. False: replies lack it, as behind proxies and
   * local servers that drop it; the `x-ratelimit-*` headers are still sent and the limits still
   * charged by the server's own count.
   */
  usage?: boolean;
  /**
   * How tokens are counted, for the TPM limit and `usage` (simulated-tokens.ts): `thirds` (default,
   * a token per three characters in any script) or `bpe` (as BPE tokenizers count: ~4 ASCII
   * characters per token, a Thai character a token, a Han character 1.25).
   */
  tokenCounting?: TokenCounting;
}

export interface RequestLogEntry {
  /** When the answer (or refusal) was sent: milliseconds since the provider started or was last reset. */
  at: number;
  /** When the request reached the server, on the same clock as `at`. */
  receivedAt: number;
  lang: string;
  ids: string[];
  /** Empty unless `recordTexts`. */
  texts: string[];
  /** HTTP status, or 0 when no response was sent (`hang`, `resetConnection`). */
  status: number;
  fault?: FaultName;
  /** The request carried a previous answer to fix (a QA repair). */
  repair: boolean;
  /** The request asked for logprobs. */
  logprobs: boolean;
  /** Its `response_format.type` (`json_object`, `json_schema`), when it had one. */
  responseType?: string;
  /** Raw text of the message the texts came from; empty unless `recordTexts`. */
  payload: string;
  /** Every other message (system prompt, previous answer, repair notes); empty unless `recordTexts`. */
  instructions: string[];
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
  /**
   * One record per second since the start (or last reset): admitted requests and tokens, 429s
   * from the limits, faults, open-request time and bucket levels (simulated-timeline.ts).
   */
  perSecond: SecondStats[];
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
