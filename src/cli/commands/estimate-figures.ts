import type { FanyiConfig } from '../../config/config-schema.ts';

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
