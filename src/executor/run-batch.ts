import { setTimeout as sleep } from 'node:timers/promises';
import { FanyiError } from '../errors.ts';
import { ProviderError, type LlmProvider, type ProviderReply } from '../llm/provider.ts';
import { parseReply } from '../llm/reply/parse-reply.ts';
import type { RateLimiter } from '../limits/rate-limiter.ts';
import type { EngineEvents } from '../monitor/engine-events.ts';
import type { BatchItem, ClaimedBatch, ItemResult, JobStore } from '../store/job-store.ts';
import { estimateOutputTokens, estimateTokens, ITEM_OVERHEAD_TOKENS } from '../tasks/batching/estimate-tokens.ts';
import { retryDelay, type RetryPolicy } from './retry-policy.ts';

export interface BatchRunnerOptions {
  store: JobStore;
  provider: LlmProvider;
  limiter: RateLimiter;
  events: EngineEvents;
  retry: RetryPolicy;
  /** Per-call timeout for a batch of up to ~100 short items (config `timeout`); scaled up for longer batches. */
  timeoutMs: number;
  gameContext?: string;
  /** Overhead of the system prompt, added to each call's token reservation. */
  promptOverheadTokens: number;
}

/** Outcome of one call attempt on a set of items. */
type CallOutcome = { kind: 'done' } | { kind: 'format'; detail: string };

/**
 * Runs one claimed batch to the end: every item ends completed or failed, results committed as
 * soon as a call returns them. A reply in the wrong shape splits the batch and retries the halves;
 * a single item that keeps failing ends `failed` with error_type `format`.
 */
export class BatchRunner {
  readonly #o: BatchRunnerOptions;

  constructor(options: BatchRunnerOptions) {
    this.#o = options;
  }

  async run(batch: ClaimedBatch, workerId: string, signal: AbortSignal): Promise<void> {
    const finishedInCommit = await this.#runItems(batch, batch.items, workerId, signal);
    if (!signal.aborted && !finishedInCommit) await this.#o.store.finishBatch(batch.jobId, batch.batchId);
  }

  /** Returns true when the first call answered every item and its commit also closed the batch. */
  async #runItems(batch: ClaimedBatch, items: BatchItem[], workerId: string, signal: AbortSignal): Promise<boolean> {
    if (!items.length || signal.aborted) return false;
    const outcome = await this.#callUntilAnswered(batch, items, workerId, signal);
    if (!outcome) return false;
    if (outcome.kind === 'done') return items === batch.items;
    if (items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await this.#runItems(batch, items.slice(0, half), workerId, signal);
      await this.#runItems(batch, items.slice(half), workerId, signal);
      return false;
    }
    await this.#retryAlone(batch, items[0], outcome.detail, workerId, signal);
    return false;
  }

  /** One item whose reply was malformed: a few more tries, then `failed` with error_type `format`. */
  async #retryAlone(batch: ClaimedBatch, item: BatchItem, detail: string, workerId: string, signal: AbortSignal): Promise<void> {
    const { store, retry } = this.#o;
    for (let attempt = item.retryCount; attempt < retry.maxRetries; attempt++) {
      await store.recordRetry(batch.jobId, batch.batchId, [item.dedupeKey], 'format', detail);
      const outcome = await this.#callUntilAnswered(batch, [item], workerId, signal);
      if (!outcome || outcome.kind === 'done') return;
      detail = outcome.detail;
    }
    await store.failItems(batch.jobId, batch.batchId, [{ dedupeKey: item.dedupeKey, errorType: 'format', errorMsg: detail }], workerId);
    this.#o.events.emit('tasks:settled', { jobId: batch.jobId, completed: 0, failed: 1, uniqueItems: 1 });
  }

  /**
   * Calls until the provider answers (transient errors retried with backoff, 429s waited out).
   * Returns undefined when the items were settled as failed or the run was aborted.
   */
  async #callUntilAnswered(batch: ClaimedBatch, items: BatchItem[], workerId: string, signal: AbortSignal): Promise<CallOutcome | undefined> {
    const { store, retry, events } = this.#o;
    let attempt = 0;
    let waits429 = 0;
    for (;;) {
      try {
        return await this.#callOnce(batch, items, workerId, signal);
      } catch (error) {
        if (signal.aborted) return undefined;
        const failure = asProviderError(error);
        if (failure.isFatal) throw fatalError(failure);
        const delay = failure.kind === 'rate_limit' && ++waits429 > retry.max429Waits ? undefined : retryDelay(retry, failure, attempt);
        events.emit('call:error', { jobId: batch.jobId, batchId: batch.batchId, kind: failure.kind, message: failure.message, retryInMs: delay });
        if (delay === undefined) {
          await store.failItems(batch.jobId, batch.batchId, items.map((i) => ({ dedupeKey: i.dedupeKey, errorType: failure.kind, errorMsg: failure.message })), workerId);
          events.emit('tasks:settled', { jobId: batch.jobId, completed: 0, failed: items.length, uniqueItems: items.length });
          return undefined;
        }
        if (failure.kind === 'rate_limit') this.#o.limiter.pause(delay);
        else {
          attempt++;
          await store.recordRetry(batch.jobId, batch.batchId, items.map((i) => i.dedupeKey), failure.kind, failure.message);
        }
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #callOnce(batch: ClaimedBatch, items: BatchItem[], workerId: string, signal: AbortSignal): Promise<CallOutcome> {
    const { provider, limiter, events } = this.#o;
    const wireItems = items.map((item, i) => ({ id: String(i + 1), text: item.sourceText }));
    const estimate = this.#estimate(items, batch.targetLang);
    await limiter.acquire(estimate, signal);
    const startedAt = Date.now();
    const reply = await provider.translate({
      sourceLang: batch.sourceLang,
      targetLang: batch.targetLang,
      items: wireItems,
      gameContext: this.#o.gameContext,
      signal,
      timeoutMs: this.#timeoutFor(items),
    });
    const endedAt = Date.now();
    const meta = { workerId, model: reply.model || provider.model, startedAt, endedAt, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens };
    const parsed = parseReply(reply, wireItems.map((w) => w.id));
    events.emit('call:done', { jobId: batch.jobId, batchId: batch.batchId, items: items.length, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, ms: endedAt - startedAt, ok: parsed.ok });
    if (!parsed.ok) {
      await this.#o.store.recordCall(batch.jobId, meta);
      return { kind: 'format', detail: parsed.detail };
    }
    const results = toResults(items, wireItems, parsed.translations, reply);
    await this.#o.store.commitResults(batch.jobId, batch.batchId, results, meta, { finish: items === batch.items });
    events.emit('tasks:settled', { jobId: batch.jobId, completed: items.length, failed: 0, uniqueItems: items.length });
    return { kind: 'done' };
  }

  #estimate(items: BatchItem[], targetLang: string): number {
    let tokens = this.#o.promptOverheadTokens;
    for (const item of items) tokens += estimateTokens(item.sourceText) + estimateOutputTokens(item.sourceText, targetLang) + 2 * ITEM_OVERHEAD_TOKENS;
    return tokens;
  }

  /** Long batches take longer to generate; the base timeout covers ~100 short items. */
  #timeoutFor(items: BatchItem[]): number {
    const chars = items.reduce((sum, item) => sum + item.sourceText.length, 0);
    return Math.round(this.#o.timeoutMs * Math.max(1, chars / 4_000));
  }
}

function toResults(items: BatchItem[], wire: { id: string }[], translations: Map<string, string>, reply: ProviderReply): ItemResult[] {
  const total = [...translations.values()].reduce((sum, t) => sum + t.length, 0) || 1;
  return items.map((item, i) => {
    const result = translations.get(wire[i].id) ?? '';
    return { dedupeKey: item.dedupeKey, result, tokenCount: Math.round((reply.completionTokens * result.length) / total) };
  });
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof FanyiError) throw error;
  return new ProviderError('network', error instanceof Error ? error.message : String(error), { cause: error });
}

function fatalError(error: ProviderError): FanyiError {
  if (error.kind === 'auth') {
    return new FanyiError('PROVIDER_AUTH', `the provider rejected the API key (${error.message}); check OPENAI_API_KEY or --api-key`);
  }
  return new FanyiError('PROVIDER_REQUEST', `the provider refused the request (${error.message}); check --model and --base-url`);
}
