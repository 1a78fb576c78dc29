import { setTimeout as sleep } from 'node:timers/promises';
import { FanyiError } from '../errors.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type RepairNote } from '../llm/provider.ts';
import type { EngineEvents } from '../monitor/engine-events.ts';
import type { BatchClaims, BatchItem, CallMeta, ClaimedBatch, ItemResult } from '../store/job-store.ts';
import { PROMPT_OVERHEAD_TOKENS } from '../tasks/batching/estimate-tokens.ts';
import type { BatchStrategy } from './batch-strategy.ts';
import type { BatchHandler } from '../queue/dispatcher.ts';
import { retryDelay, type RetryPolicy } from './retry-policy.ts';
import { callsFor } from '../limits/estimate-ratio.ts';
import { TranslateStrategy, type TranslateStrategyOptions } from './translate-strategy.ts';

/** The translate options (TranslateStrategyOptions) build the default strategy; a map job's runner is given its own. */
export interface BatchRunnerOptions extends Partial<TranslateStrategyOptions> {
  /** A worker commits, fails and hands back batches: nothing else. */
  store: BatchClaims;
  /** Usually an EndpointPool: it routes, reserves the limits and pauses an endpoint on 429. */
  provider: LlmProvider;
  events: EngineEvents;
  retry: RetryPolicy;
  /** Per-call timeout for a batch of up to ~100 short items (config `timeout`); scaled up for longer batches. */
  timeoutMs: number;
  /** Items per call right now (adaptive batch size); default: the whole claimed batch. */
  itemsPerCall?: (batchSize: number) => number;
  /**
   * With calls failing in a row and no answer from any endpoint for this long, the job stops
   * (resumable) instead of failing batch by batch. Default 120 s.
   */
  giveUpMs?: number;
  /** How calls are built, read and checked (batch-strategy.ts). Default: a translation's, from the translate options. */
  strategy?: BatchStrategy;
  /** The job's queue lane: every call carries it, so the limiter serves it at the lane's priority. Default `translation`. */
  lane?: string;
}

/** When an attempt's request went out: after `waitMs` at the limiter, which is not the call's latency. */
interface Sent {
  startedAt: number;
  waitMs: number;
}

/** The attempt began at `attemptAt`; the pool says how much of what followed was waiting (0 without a pool). */
const sentAfter = (attemptAt: number, waitMs = 0): Sent => ({ startedAt: attemptAt + waitMs, waitMs });

/** Outcome of one call attempt on a set of items. */
type CallOutcome = { kind: 'done' } | { kind: 'format'; detail: string; errorType: 'format' | 'rejected' };

/** Consecutive 400s with no success in between after which the request itself must be wrong. */
const MAX_CONSECUTIVE_REJECTS = 5;
/**
 * Consecutive transient failures (network, timeout, 5xx), across all workers, with no reply in
 * between: the endpoint is down, and retrying every batch with backoff would take hours to fail.
 */
const MAX_CONSECUTIVE_OUTAGES = 30;
/** Fewer failures than this in a row never stop a job, however long they took. */
const MIN_OUTAGES_TO_GIVE_UP = 3;

/**
 * Runs one claimed batch to the end: every item ends completed or failed, results committed as
 * soon as a call returns them. A reply in the wrong shape splits the batch and retries the halves;
 * a single item that keeps failing ends `failed` with error_type `format`. A 400 for one batch's
 * content (a content filter, a context overflow) is isolated the same way and ends `rejected`.
 */
export class BatchRunner implements BatchHandler {
  readonly #o: BatchRunnerOptions;
  readonly #strategy: BatchStrategy;
  #consecutiveRejects = 0;
  #consecutiveOutages = 0;
  #lastAnswerAt = Date.now();

  constructor(options: BatchRunnerOptions) {
    this.#o = options;
    this.#strategy = options.strategy ?? new TranslateStrategy({ ...options, promptOverheadTokens: options.promptOverheadTokens ?? PROMPT_OVERHEAD_TOKENS });
  }

  async run(batch: ClaimedBatch, workerId: string, signal: AbortSignal): Promise<void> {
    this.#strategy.claim?.(batch);
    const chunks = this.#calls(batch);
    let finishedInCommit = false;
    if (chunks.length === 1) finishedInCommit = await this.#runItems(batch, batch.items, workerId, signal);
    else for (const items of chunks) await this.#runItems(batch, items, workerId, signal);
    if (!signal.aborted && !finishedInCommit) await this.#o.store.finishBatch(batch.jobId, batch.batchId, workerId);
  }

  /**
   * The claimed batch cut into calls: at most the adaptive items per call, and at most the
   * tokens the provider's limits take comfortably in one call (LlmProvider.callTokenLimit).
   */
  #calls(batch: ClaimedBatch): BatchItem[][] {
    const { items, targetLang } = batch;
    const overhead = this.#strategy.overheadTokens(batch);
    const maxItems = Math.max(1, this.#o.itemsPerCall?.(items.length) ?? items.length);
    const maxTokens = this.#o.provider.callTokenLimit?.(targetLang) ?? Number.POSITIVE_INFINITY;
    const costs = items.map((item) => this.#strategy.itemTokens(item, batch));
    const total = costs.reduce((sum, cost) => sum + cost, 0);
    // Even calls rather than full ones and a scrap: as many as either bound needs.
    const count = Math.max(Math.ceil(items.length / maxItems), callsFor(total, overhead, maxTokens));
    if (count <= 1) return [items];
    const target = total / count;
    const chunks: BatchItem[][] = [];
    let chunk: BatchItem[] = [];
    let tokens = 0;
    items.forEach((item, i) => {
      if (chunk.length && (chunk.length >= maxItems || overhead + tokens + costs[i] > maxTokens)) {
        chunks.push(chunk);
        chunk = [];
        tokens = 0;
      }
      chunk.push(item);
      tokens += costs[i];
      if (tokens >= target && chunks.length < count - 1) {
        chunks.push(chunk);
        chunk = [];
        tokens = 0;
      }
    });
    if (chunk.length) chunks.push(chunk);
    return chunks;
  }

  /** Returns true when the first call answered every item and its commit also closed the batch. */
  async #runItems(batch: ClaimedBatch, items: BatchItem[], workerId: string, signal: AbortSignal): Promise<boolean> {
    if (!items.length || signal.aborted) return false;
    const outcome = await this.#attempt(batch, items, workerId, signal);
    if (!outcome) return false;
    if (outcome.kind === 'done') return items === batch.items;
    if (items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await this.#runItems(batch, items.slice(0, half), workerId, signal);
      await this.#runItems(batch, items.slice(half), workerId, signal);
      return false;
    }
    await this.#retryAlone(batch, items[0], outcome, workerId, signal);
    return false;
  }

  /** One item whose reply was malformed: a few more tries, then `failed` with error_type `format` (or `rejected`). */
  async #retryAlone(batch: ClaimedBatch, item: BatchItem, outcome: Extract<CallOutcome, { kind: 'format' }>, workerId: string, signal: AbortSignal): Promise<void> {
    const { store, retry } = this.#o;
    // A rejected request is deterministic: retrying the same text only pays again.
    for (let attempt = item.retryCount; outcome.errorType === 'format' && attempt < retry.maxRetries; attempt++) {
      await store.recordRetry(batch.jobId, batch.batchId, [item.dedupeKey], 'format', outcome.detail);
      const next = await this.#attempt(batch, [item], workerId, signal);
      if (!next || next.kind === 'done') return;
      outcome = next;
    }
    await store.failItems(batch.jobId, batch.batchId, [{ dedupeKey: item.dedupeKey, errorType: outcome.errorType, errorMsg: outcome.detail }], workerId);
    this.#o.events.emit('tasks:settled', { jobId: batch.jobId, completed: 0, failed: 1, uniqueItems: 1 });
  }

  /** One call (with its transient retries) and the handling of its reply. Undefined: settled as failed, or aborted. */
  async #attempt(batch: ClaimedBatch, items: BatchItem[], workerId: string, signal: AbortSignal): Promise<CallOutcome | undefined> {
    const answer = await this.#callUntilAnswered(batch, items, workerId, signal);
    if (!answer || 'kind' in answer) return answer;
    return this.#handleReply(batch, items, answer.reply, answer.sent, workerId, signal);
  }

  /**
   * Calls until the provider answers: timeouts, 5xx and network errors retried with backoff, 429s
   * waited out. Only the provider call is retried here; a store error is an internal error.
   */
  async #callUntilAnswered(
    batch: ClaimedBatch,
    items: BatchItem[],
    workerId: string,
    signal: AbortSignal,
    repair?: Record<string, RepairNote>,
  ): Promise<{ reply: ProviderReply; sent: Sent } | CallOutcome | undefined> {
    const { store, retry, events } = this.#o;
    let attempt = 0;
    let waits429 = 0;
    for (;;) {
      const startedAt = Date.now();
      try {
        const reply = await this.#send(batch, items, signal, repair);
        this.#consecutiveOutages = 0;
        this.#lastAnswerAt = Date.now();
        return { reply, sent: sentAfter(startedAt, reply.waitMs) };
      } catch (error) {
        if (signal.aborted) return undefined;
        const failure = asProviderError(error);
        if (failure.isFatal) throw fatalError(failure);
        // The pool took that endpoint out of rotation; the next try goes elsewhere at once.
        if (failure.kind === 'failover') continue;
        await store.recordCall(batch.jobId, { ...this.#meta(batch, items, workerId, sentAfter(startedAt, failure.waitMs), failure.endpoint), outcome: failure.kind });
        if (failure.kind === 'bad_request') return this.#rejected(failure);
        if (failure.kind !== 'rate_limit' && this.#outage()) throw unavailable(failure, this.#consecutiveOutages, Date.now() - this.#lastAnswerAt);
        // A 429 never spends a retry, nor does a failed probe of an endpoint that was already down:
        // which batch happens to carry the probes is chance, and an outage is bounded by #outage.
        const spends = failure.kind !== 'rate_limit' && !failure.probe;
        const delay = failure.kind === 'rate_limit' && ++waits429 > retry.max429Waits ? undefined : retryDelay(retry, failure, spends ? attempt : 0);
        events.emit('call:error', { jobId: batch.jobId, batchId: batch.batchId, kind: failure.kind, message: failure.message, retryInMs: delay, endpoint: failure.endpoint, waitMs: failure.waitMs ?? 0 });
        if (delay === undefined) {
          // A repair that cannot get through leaves the first answers standing: nothing to fail.
          if (repair) return undefined;
          await store.failItems(batch.jobId, batch.batchId, items.map((i) => ({ dedupeKey: i.dedupeKey, errorType: failure.kind, errorMsg: failure.message })), workerId);
          events.emit('tasks:settled', { jobId: batch.jobId, completed: 0, failed: items.length, uniqueItems: items.length });
          return undefined;
        }
        if (spends) {
          attempt++;
          await store.recordRetry(batch.jobId, batch.batchId, items.map((i) => i.dedupeKey), failure.kind, failure.message);
        }
        // A pool already paused the endpoint that said 429; the retry waits in its limiter (or goes elsewhere).
        if (failure.kind !== 'rate_limit' || !failure.endpoint) await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Counts a transient failure; true when the provider is judged down (many in a row, or none answered for long). */
  #outage(): boolean {
    const n = ++this.#consecutiveOutages;
    return n >= MAX_CONSECUTIVE_OUTAGES || (n >= MIN_OUTAGES_TO_GIVE_UP && Date.now() - this.#lastAnswerAt > (this.#o.giveUpMs ?? 120_000));
  }

  #meta(batch: ClaimedBatch, items: BatchItem[], workerId: string, sent: Sent, endpoint?: string, reply?: ProviderReply): CallMeta {
    return {
      workerId,
      model: reply?.model || this.#o.provider.model,
      startedAt: sent.startedAt,
      endedAt: Date.now(),
      waitMs: sent.waitMs,
      promptTokens: reply?.promptTokens ?? 0,
      completionTokens: reply?.completionTokens ?? 0,
      ...(reply?.tokensEstimated ? { tokensEstimated: true } : {}),
      endpoint: reply?.endpoint ?? endpoint,
      batchId: batch.batchId,
      items: items.length,
    };
  }

  /** A 400 on some content is isolated by splitting; many in a row mean the request itself is wrong. */
  #rejected(failure: ProviderError): CallOutcome {
    if (++this.#consecutiveRejects >= MAX_CONSECUTIVE_REJECTS) throw fatalError(failure);
    return { kind: 'format', detail: `provider rejected the request: ${failure.message}`, errorType: 'rejected' };
  }

  async #send(batch: ClaimedBatch, items: BatchItem[], signal: AbortSignal, repair?: Record<string, RepairNote>): Promise<ProviderReply> {
    return this.#o.provider.translate({
      ...this.#strategy.request(batch, items, repair),
      estimatedTokens: this.#estimate(batch, items),
      signal,
      timeoutMs: this.#timeoutFor(items),
      ...(this.#o.lane ? { lane: this.#o.lane } : {}),
    });
  }

  async #handleReply(
    batch: ClaimedBatch,
    items: BatchItem[],
    reply: ProviderReply,
    sent: Sent,
    workerId: string,
    signal: AbortSignal,
  ): Promise<CallOutcome> {
    const { store, events } = this.#o;
    const meta = this.#meta(batch, items, workerId, sent, undefined, reply);
    const read = this.#strategy.read(batch, items, reply);
    this.#emitDone(batch, items.length, reply, meta, read.ok);
    if (!read.ok) {
      await store.recordCall(batch.jobId, { ...meta, outcome: 'format' });
      return { kind: 'format', detail: read.detail, errorType: 'format' };
    }
    this.#consecutiveRejects = 0;
    let results = read.results;
    // One commit after the repair: committing twice would log the first call twice. A crash
    // during the repair call costs that batch's answers, re-sent on resume.
    if (this.#strategy.gate) results = await this.#strategy.gate(batch, items, results, (again, notes) => this.#repair(batch, again, notes, workerId, signal));
    await store.commitResults(batch.jobId, batch.batchId, results, meta, { finish: items === batch.items });
    events.emit('tasks:settled', { jobId: batch.jobId, completed: items.length, failed: 0, uniqueItems: items.length });
    return { kind: 'done' };
  }

  #emitDone(batch: ClaimedBatch, items: number, reply: ProviderReply, meta: CallMeta, ok: boolean): void {
    const { promptTokens, completionTokens, endpoint } = reply;
    const ms = meta.endedAt - meta.startedAt;
    const tokensEstimated = reply.tokensEstimated === true;
    this.#o.events.emit('call:done', { jobId: batch.jobId, batchId: batch.batchId, items, promptTokens, completionTokens, tokensEstimated, ms, waitMs: meta.waitMs ?? 0, ok, endpoint });
  }

  /**
   * The one QA repair call: just the failing items, their previous answers and problems listed.
   * Its answer is logged as a call of its own; undefined when it brought nothing usable (failed,
   * rejected, malformed or aborted), and then the first answers stand.
   */
  async #repair(batch: ClaimedBatch, items: BatchItem[], notes: RepairNote[], workerId: string, signal: AbortSignal): Promise<ItemResult[] | undefined> {
    if (signal.aborted) return undefined;
    const repair = Object.fromEntries(notes.map((note, i) => [String(i + 1), note]));
    const answer = await this.#callUntilAnswered(batch, items, workerId, signal, repair);
    if (!answer || 'kind' in answer) return undefined;
    const meta = this.#meta(batch, items, workerId, answer.sent, undefined, answer.reply);
    const read = this.#strategy.read(batch, items, answer.reply);
    this.#emitDone(batch, items.length, answer.reply, meta, read.ok);
    await this.#o.store.recordCall(batch.jobId, { ...meta, outcome: read.ok ? 'ok' : 'format' });
    return read.ok ? read.results : undefined;
  }

  #estimate(batch: ClaimedBatch, items: BatchItem[]): number {
    let tokens = this.#strategy.overheadTokens(batch);
    for (const item of items) tokens += this.#strategy.itemTokens(item, batch);
    return tokens;
  }

  /** Long batches take longer to generate; the base timeout covers ~100 short items. */
  #timeoutFor(items: BatchItem[]): number {
    const chars = items.reduce((sum, item) => sum + item.sourceText.length, 0);
    return Math.round(this.#o.timeoutMs * Math.max(1, chars / 4_000));
  }
}

/** Providers map their transport's failures to ProviderError; anything else is a bug, not a retry. */
function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  throw error;
}

/** Says which rule stopped the job: the give-up time or the count in a row (see #outage). */
function unavailable(error: ProviderError, failures: number, silentMs: number): FanyiError {
  const why = `no answer for ${Math.round(silentMs / 1000)} s, ${failures} calls in a row failed, last: ${error.message}`;
  return new FanyiError('PROVIDER_UNAVAILABLE', `the provider is not answering (${why}); check --base-url and the service, then run fanyi resume`);
}

function fatalError(error: ProviderError): FanyiError {
  if (error.kind === 'quota') {
    return new FanyiError('PROVIDER_QUOTA', `the provider says the account is out of quota or credit (${error.message}); top it up, then run fanyi resume`);
  }
  if (error.kind === 'auth') {
    return new FanyiError('PROVIDER_AUTH', `the provider rejected the API key (${error.message}); check OPENAI_API_KEY or --api-key`);
  }
  return new FanyiError('PROVIDER_REQUEST', `the provider refused the request (${error.message}); check --model and --base-url`);
}
