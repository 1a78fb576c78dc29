/**
 * What bench/limits.ts reports about one run, computed from what the simulated provider saw
 * (its per-second timeline and request log), never from the client's own account.
 *
 * Steady state: the whole seconds after 5% and before 95% of the run's admitted tokens, so the
 * ramp-up (process start, the limiter's first window, the provider's initial burst) and the tail
 * (the last batches in flight, stragglers retried after a timeout) are left out.
 */
import type { SimulatedProviderStats } from '../test/helpers/simulated-provider.ts';
import type { SecondStats } from '../test/helpers/simulated-timeline.ts';

export interface LimitSettings {
  rpm: number;
  tpm: number;
  burstWindowMs: number;
  latencyMs: number;
}

export interface RunMeasure {
  steady_window_s: [number, number];
  steady_seconds: number;
  binding_limit: 'tpm' | 'rpm';
  /** Admitted per minute ÷ limit over the steady window: the figure. */
  share_of_binding_limit: number;
  share_of_tpm: number;
  share_of_rpm: number;
  /** Refill that went into admitted requests ÷ refill available (bucket level change accounted for). */
  share_of_binding_refill: number;
  /** 429s from the limits ÷ all chat requests, over the whole run and over the steady window. */
  share_429: number;
  share_429_steady: number;
  /** Admitted per minute over the steady window. */
  tokens_per_min: number;
  requests_per_min: number;
  /** Mean open requests at the provider over the window, and what the limit needs at this latency. */
  mean_in_flight: number;
  in_flight_needed_at_limit: number;
  max_in_flight: number;
  requests: number;
  admitted: number;
  /** Mean cost of an admitted call over the whole run: equal for fanyi and the baseline when their wire formats agree. */
  tokens_per_call: number;
  status429: number;
  faulted_admitted: number;
  /** First to last request the provider logged. */
  active_s: number;
}

const sum = (seconds: SecondStats[], pick: (s: SecondStats) => number): number => seconds.reduce((total, s) => total + pick(s), 0);
const round = (value: number, digits = 3): number => +value.toFixed(digits);

/** The whole seconds [start, end) between 5% and 95% of the admitted tokens. */
export function steadyWindow(seconds: SecondStats[]): [number, number] {
  const total = sum(seconds, (s) => s.admittedTokens);
  let cumulative = 0;
  let start = 0;
  let end = seconds.length;
  for (let i = 0; i < seconds.length; i++) {
    const before = cumulative;
    cumulative += seconds[i].admittedTokens;
    if (before < 0.05 * total && cumulative >= 0.05 * total) start = i + 1;
    if (before < 0.95 * total && cumulative >= 0.95 * total) end = i;
  }
  return [start, Math.max(start, end)];
}

/** A bucket's level at `atMs` (since the provider's start) from the last event before it. */
function levelAt(seconds: SecondStats[], atMs: number, kind: 'requests' | 'tokens', perMinute: number, burstWindowMs: number): number {
  const capacity = Math.max(1, (perMinute * burstWindowMs) / 60_000);
  for (let i = Math.min(seconds.length, Math.ceil(atMs / 1000)) - 1; i >= 0; i--) {
    const levels = seconds[i].levels;
    if (!levels || levels.at > atMs || levels[kind] === undefined) continue;
    return Math.min(capacity, levels[kind]! + ((atMs - levels.at) * perMinute) / 60_000);
  }
  return capacity;
}

export function measureRun(stats: SimulatedProviderStats, limits: LimitSettings): RunMeasure {
  const seconds = stats.perSecond;
  const [start, end] = steadyWindow(seconds);
  const window = seconds.slice(start, end);
  const minutes = Math.max(1e-9, (end - start) / 60);
  const tokensPerMin = sum(window, (s) => s.admittedTokens) / minutes;
  const requestsPerMin = sum(window, (s) => s.admitted) / minutes;
  const shareTpm = tokensPerMin / limits.tpm;
  const shareRpm = requestsPerMin / limits.rpm;
  const binding = shareTpm >= shareRpm ? 'tpm' : 'rpm';
  const kind = binding === 'tpm' ? 'tokens' : 'requests';
  const limit = binding === 'tpm' ? limits.tpm : limits.rpm;
  const drawdown = levelAt(seconds, start * 1000, kind, limit, limits.burstWindowMs) - levelAt(seconds, end * 1000, kind, limit, limits.burstWindowMs);
  const admittedInWindow = binding === 'tpm' ? sum(window, (s) => s.admittedTokens) : sum(window, (s) => s.admitted);
  const requests = sum(seconds, (s) => s.requests);
  const limited = sum(seconds, (s) => s.limited);
  const log = stats.requestLog;
  return {
    steady_window_s: [start, end],
    steady_seconds: end - start,
    binding_limit: binding,
    share_of_binding_limit: round(Math.max(shareTpm, shareRpm)),
    share_of_tpm: round(shareTpm),
    share_of_rpm: round(shareRpm),
    share_of_binding_refill: round((admittedInWindow - drawdown) / (limit * minutes)),
    share_429: round(limited / Math.max(1, requests), 4),
    share_429_steady: round(sum(window, (s) => s.limited) / Math.max(1, sum(window, (s) => s.requests)), 4),
    tokens_per_min: Math.round(tokensPerMin),
    requests_per_min: round(requestsPerMin, 1),
    mean_in_flight: round(sum(window, (s) => s.busyMs) / (Math.max(1, end - start) * 1000), 2),
    in_flight_needed_at_limit: round((Math.min(limits.tpm / Math.max(1, tokensPerMin / Math.max(1e-9, requestsPerMin)), limits.rpm) / 60_000) * limits.latencyMs, 2),
    max_in_flight: stats.maxConcurrent,
    requests,
    admitted: sum(seconds, (s) => s.admitted),
    tokens_per_call: Math.round(sum(seconds, (s) => s.admittedTokens) / Math.max(1, sum(seconds, (s) => s.admitted))),
    status429: limited,
    faulted_admitted: sum(seconds, (s) => s.faulted),
    active_s: log.length ? round((Math.max(...log.map((e) => e.at)) - Math.min(...log.map((e) => e.at))) / 1000, 1) : 0,
  };
}

/**
 * For `--timeline`: per second [admitted tokens, admitted requests, 429s], enough to see bursts,
 * stalls and the tail; and each 429 as `<seconds> <target language>` to see where they come from.
 */
export function timeline(stats: SimulatedProviderStats): { per_second: number[][]; limited: string[]; sequence: string } {
  return {
    per_second: stats.perSecond.map((s) => [s.admittedTokens, s.admitted, s.limited]),
    limited: stats.requestLog.filter((e) => e.status === 429 && !e.fault).map((e) => `${(e.at / 1000).toFixed(2)} ${e.lang}`),
    sequence: runLengths(stats.requestLog.map((e) => `${e.lang}:${e.fault ?? e.status}`)),
  };
}

/** `pt-BR:200×8 pt-BR:429 th:200×3`: every request in the order answered, runs collapsed. */
function runLengths(items: string[]): string {
  const runs: string[] = [];
  for (let i = 0; i < items.length; ) {
    let j = i;
    while (j < items.length && items[j] === items[i]) j++;
    runs.push(j - i > 1 ? `${items[i]}×${j - i}` : items[i]);
    i = j;
  }
  return runs.join(' ');
}
