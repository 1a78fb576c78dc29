/**
 * What `estimate` (and the API's analysis) says a job will take: its calls at the configured
 * limits, tokens, minutes and cost. Nothing is called.
 */
import type { FanyiConfig } from '../config/config-schema.ts';
import { expectedCalls, type BatchCost } from '../limits/estimate-ratio.ts';
import { PROMPT_OVERHEAD_TOKENS } from './batching/estimate-tokens.ts';
import { burstTokens, type PreparedJob } from './prepare-job.ts';

/** What `estimate` says of a job's calls, for a translation and a map job alike. */
export interface CallFigures {
  /** At the configured RPM/TPM throttles: the provider's limits are the only speed limit. */
  minutes: number;
  /** Priced with `llm.pricing[model]`; null when the model has no price. */
  cost: { amount: number; currency: string } | null;
}

export function callFigures(config: FanyiConfig, model: string, calls: number, inputTokens: number, outputTokens: number): CallFigures {
  const perf = config.llm.performance;
  const minutes = Math.max(calls / perf.rpm_throttle, (inputTokens + outputTokens) / perf.tpm_throttle);
  const price = config.llm.pricing[model];
  const cost = price ? { amount: Number(((inputTokens * price.input_per_1m + outputTokens * price.output_per_1m) / 1e6).toFixed(4)), currency: price.currency } : null;
  return { minutes, cost };
}

export function costLine(model: string, cost: CallFigures['cost']): string {
  return cost ? `cost: ~${cost.amount} ${cost.currency} (${model})` : `cost: set llm.pricing.${model} in the config to see it`;
}

/**
 * The calls a job's batches will go out in at the configured limits: a batch is cut when the
 * endpoint's burst takes less than it in one call, which happens to a kind's first batches while
 * the limiter keeps a margin over estimates no reply has confirmed yet (estimate-ratio.ts
 * expectedCalls). Per batch, in the order given.
 */
export function runCalls(config: FanyiConfig, batches: ReadonlyArray<BatchCost & { priority: number; seq: number }>): number[] {
  // Claimed by priority, then in packing order (claim-queries.ts).
  const order = batches.map((_, i) => i).sort((a, b) => batches[a].priority - batches[b].priority || batches[a].seq - batches[b].seq);
  const calls = expectedCalls(order.map((i) => batches[i]), burstTokens(config), config.llm.batch_control.max_concurrent_workers);
  const byBatch = new Array<number>(batches.length);
  order.forEach((batch, i) => (byBatch[batch] = calls[i]));
  return byBatch;
}

/** A translation job's batches, the calls they will go out in, and their tokens (every call carries the prompt). */
export function translationCalls(prepared: Pick<PreparedJob, 'batches'>, config: FanyiConfig): { batches: number; calls: number; inputTokens: number; outputTokens: number } {
  const { batches } = prepared;
  const perBatch = runCalls(config, batches.map((b) => ({ kind: b.targetLang, items: b.uniqueCount, tokens: b.estInputTokens + b.estOutputTokens, overhead: PROMPT_OVERHEAD_TOKENS, priority: b.priority, seq: b.seq })));
  const calls = perBatch.reduce((sum, n) => sum + n, 0);
  // A batch cut in two carries the prompt twice.
  const inputTokens = batches.reduce((s, b) => s + b.estInputTokens, 0) + calls * PROMPT_OVERHEAD_TOKENS;
  return { batches: batches.length, calls, inputTokens, outputTokens: batches.reduce((s, b) => s + b.estOutputTokens, 0) };
}
