import type { ControlWindow } from '../limits/control-state.ts';

/** The two settings seed 000 §2.2 moves. */
export interface ControlSettings {
  batchFactor: number;
  workers: number;
}

export interface ControlBounds {
  /** Workers never go below or above these. */
  minWorkers: number;
  maxWorkers: number;
  /** Estimated tokens (input + output) a full batch may use: the yardstick for "far under budget". */
  batchTokenBudget: number;
}

export interface Adjustment {
  setting: 'workers' | 'batch_size';
  from: number;
  to: number;
  reason: string;
}

/** Fewer attempts than this in a period say nothing about error rates. */
const MIN_SAMPLE = 5;
const MIN_FACTOR = 0.05;

/**
 * Seed 000 §2.2, over the calls of one period (one process's, or every process's on an endpoint):
 * - error rate above 10% → batches 20% smaller; errors rare and tokens under half the budget → back
 *   up. Only errors a smaller call can avoid count: malformed or truncated replies and timeouts.
 *   A 5xx or a dropped connection strikes a call whatever its size; shrinking on those ratchets
 *   the batches down to a few cells under a steady 10% of them, paying the prompt per few cells;
 * - a 429, or calls queuing at the limiter (the limit binds) → one worker fewer;
 * - calls slower than 5 s on average, or every worker busy with the limit not reached → two more.
 * Returns the settings after the period and the changes made, batch size first (none: they stand).
 */
export function decide(w: ControlWindow, current: ControlSettings, bounds: ControlBounds): { settings: ControlSettings; changes: Adjustment[] } {
  const settings = { ...current };
  const changes: Adjustment[] = [];
  const factor = nextFactor(w, current.batchFactor, bounds.batchTokenBudget);
  if (factor && Math.abs(factor.to - current.batchFactor) >= 1e-9) {
    settings.batchFactor = factor.to;
    changes.push({ setting: 'batch_size', from: round(current.batchFactor), to: round(factor.to), reason: factor.reason });
  }
  const workers = nextWorkers(w, current.workers);
  const bounded = workers && Math.min(bounds.maxWorkers, Math.max(bounds.minWorkers, workers.to));
  if (workers && bounded !== undefined && bounded !== current.workers) {
    settings.workers = bounded;
    changes.push({ setting: 'workers', from: current.workers, to: bounded, reason: workers.reason });
  }
  return { settings, changes };
}

function nextFactor(w: ControlWindow, batchFactor: number, budget: number): { to: number; reason: string } | undefined {
  if (w.attempts < MIN_SAMPLE) return undefined;
  const errorRate = w.errors / w.attempts;
  const tokenUse = w.answered ? w.tokens / w.answered / budget : 1;
  if (errorRate > 0.1) return { to: Math.max(MIN_FACTOR, batchFactor * 0.8), reason: `error rate ${pct(errorRate)} > 10%` };
  if (batchFactor < 1 && errorRate < 0.02 && tokenUse < 0.5) return { to: Math.min(1, batchFactor * 1.25), reason: `error rate ${pct(errorRate)}, calls use ${pct(tokenUse)} of the batch token budget` };
  return undefined;
}

function nextWorkers(w: ControlWindow, workers: number): { to: number; reason: string } | undefined {
  const avgMs = w.answered ? w.ms / w.answered : 0;
  if (w.rateLimited > 0) return { to: workers - 1, reason: `${w.rateLimited} calls answered 429` };
  // Two or more calls queuing at the limiter: the limit binds, and a worker fewer loses nothing.
  if (w.waiting >= 2) return { to: workers - 1, reason: `${w.waiting} calls waiting for the rate limit` };
  if (w.waiting === 0 && avgMs > 5_000) return { to: workers + 2, reason: `calls take ${(avgMs / 1000).toFixed(1)} s on average` };
  if (w.waiting === 0 && w.answered > 0 && w.inFlight >= workers) return { to: workers + 2, reason: 'every worker busy and the rate limit not reached' };
  return undefined;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const round = (value: number) => Math.round(value * 100) / 100;
