/**
 * Several worker processes (limiter-worker.ts) calling one simulated provider at once, and what
 * the provider saw: the share of its binding limit they used and the share of 429s. Used by
 * test/e2e/shared-rate-limit.test.ts (small limits, seconds) and bench/distributed-limits.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatedProvider } from './simulated-provider.ts';
import type { WorkerResult, WorkerSpec } from './limiter-worker.ts';

const WORKER = path.join(import.meta.dirname, 'limiter-worker.ts');
/** Longer than any burst window used with it. */
const REFILL_MS = 1_500;

/** Starts `count` workers, lets them all run for `durationMs` from the same moment, returns their results. */
export async function runWorkers(provider: SimulatedProvider, count: number, spec: Omit<WorkerSpec, 'seed'>, durationMs: number): Promise<WorkerResult[]> {
  const children = Array.from({ length: count }, (_, i) => spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ ...spec, seed: i + 1 })], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  for (const [i, child] of children.entries()) {
    const first = await lines[i].next();
    if (first.value !== 'ready') throw new Error(`worker ${child.pid} did not start: ${first.value}`);
  }
  // Each worker's warm-up call drew on the provider's burst: let it refill, then start the
  // provider's clock and per-second timeline with the run.
  await sleep(REFILL_MS);
  provider.reset();
  const untilMs = Date.now() + durationMs;
  for (const child of children) child.stdin.write(`go ${untilMs}\n`);
  const results: WorkerResult[] = [];
  for (const [i, child] of children.entries()) {
    const line = await lines[i].next();
    results.push(JSON.parse(line.value as string) as WorkerResult);
    if (child.exitCode === null) await once(child, 'exit');
  }
  return results;
}

export interface RunShare {
  binding: 'tpm' | 'rpm';
  /** Admitted ÷ what the limit allowed from the first admission to the last (the full burst plus the refill). */
  share: number;
  share429: number;
  requests: number;
  admitted: number;
  admittedTokens: number;
  spanS: number;
}

/** What the provider admitted against what its buckets allowed over the run. */
export function shareOfLimit(provider: SimulatedProvider, limits: { rpm: number; tpm: number; burstWindowMs: number }): RunShare {
  const { perSecond, requestLog } = provider.stats;
  const admittedAt = requestLog.filter((e) => e.status !== 429).map((e) => e.receivedAt);
  const spanMs = admittedAt.length ? Math.max(...admittedAt) - Math.min(...admittedAt) : 0;
  const allowed = (perMinute: number) => Math.max(1, (perMinute * limits.burstWindowMs) / 60_000) + (perMinute * spanMs) / 60_000;
  const admittedTokens = perSecond.reduce((sum, s) => sum + s.admittedTokens, 0);
  const admitted = perSecond.reduce((sum, s) => sum + s.admitted, 0);
  const requests = perSecond.reduce((sum, s) => sum + s.requests, 0);
  const limited = perSecond.reduce((sum, s) => sum + s.limited, 0);
  const tpmShare = admittedTokens / allowed(limits.tpm);
  const rpmShare = admitted / allowed(limits.rpm);
  return {
    binding: tpmShare >= rpmShare ? 'tpm' : 'rpm',
    share: +Math.max(tpmShare, rpmShare).toFixed(4),
    share429: +(limited / Math.max(1, requests)).toFixed(4),
    requests,
    admitted,
    admittedTokens,
    spanS: +(spanMs / 1000).toFixed(2),
  };
}
