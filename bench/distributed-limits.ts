/**
 * npm run bench:distributed-limits — several workers, one endpoint limit (issue 14, "One rate
 * limit for everyone"): three worker processes call one simulated provider enforcing RPM 1,200
 * and TPM 200,000 (continuously refilled, one-second burst, 300 ms ± 25% latency), each reserving
 * its calls with
 *   1. `shared`: a RedisEndpointLimiter on the same endpoint key (one budget in Redis);
 *   2. `local`: an in-process EndpointLimiter each (what every worker had before: three budgets).
 * The workers (test/helpers/limiter-worker.ts) send calls of 10–40 short UI strings through the
 * real EndpointPool and OpenAI-compatible provider, 8 at a time each, into pt-BR, th, vi and de.
 * The provider runs in this process and measures what it admitted: the share of the binding limit
 * over the steady state (bench/limits-measure.ts, as bench:limits reports it), the same over the
 * whole run with the initial burst counted as allowed, and the share of requests refused with 429.
 *
 * Options: --duration S (default 60), --workers N (3), --concurrency N (8 per worker),
 * --redis URL (redis://127.0.0.1:6379), --skip-local, --report FILE (default
 * bench/results/distributed-limits.json). JSON on stdout, a summary on stderr.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deleteKeys } from '../test/helpers/redis-server.ts';
import { runWorkers, shareOfLimit } from '../test/helpers/shared-limit-run.ts';
import { startSimulatedProvider } from '../test/helpers/simulated-provider.ts';
import { measureRun, timeline, type LimitSettings } from './limits-measure.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    workers: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'skip-local': { type: 'boolean', default: false },
    report: { type: 'string', default: path.join(import.meta.dirname, 'results', 'distributed-limits.json') },
  },
});
const LIMITS: LimitSettings = { rpm: 1_200, tpm: 200_000, burstWindowMs: 1_000, latencyMs: 300 };
const WORKERS = Number(values.workers);
const DURATION_MS = Number(values.duration) * 1000;
const COMMAND = `npm run bench:distributed-limits -- ${process.argv.slice(2).join(' ')}`.trim();

async function run(limiter: 'redis' | 'local') {
  const provider = await startSimulatedProvider({ rpm: LIMITS.rpm, tpm: LIMITS.tpm, burstWindowMs: LIMITS.burstWindowMs, latencyMs: LIMITS.latencyMs, latencyJitter: 0.25, apiKey: 'bench', recordTexts: false, retryAfterWholeSeconds: true });
  const prefix = `fanyi-bench:${randomUUID()}`;
  process.stderr.write(`${limiter === 'redis' ? 'shared' : 'local'}: ${WORKERS} workers for ${DURATION_MS / 1000} s…\n`);
  try {
    const spec = { baseUrl: provider.baseUrl, limiter, redisUrl: values.redis, prefix, rpm: LIMITS.rpm, tpm: LIMITS.tpm, concurrency: Number(values.concurrency), items: [10, 40] as [number, number], targets: ['pt-BR', 'th', 'vi', 'de'] };
    const workers = await runWorkers(provider, WORKERS, spec, DURATION_MS);
    const steady = measureRun(provider.stats, LIMITS);
    const whole = shareOfLimit(provider, LIMITS);
    return {
      share_of_binding_limit: steady.share_of_binding_limit,
      binding_limit: steady.binding_limit,
      share_429: whole.share429,
      share_of_binding_limit_whole_run: whole.share,
      steady_seconds: steady.steady_seconds,
      tokens_per_min: steady.tokens_per_min,
      requests_per_min: steady.requests_per_min,
      tokens_per_call: steady.tokens_per_call,
      requests: whole.requests,
      admitted: whole.admitted,
      max_in_flight: steady.max_in_flight,
      workers,
      /** When (s since the start) and into which language each 429 came. */
      limited_at: timeline(provider.stats).limited,
    };
  } finally {
    await provider.close();
    await deleteKeys(values.redis, prefix);
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

process.stderr.write(`command: ${COMMAND}\n`);
const report: Record<string, unknown> = {
  command: COMMAND,
  commit: commit(),
  limits: { ...LIMITS, latency_jitter: 0.25, refill: 'continuous' },
  workers: WORKERS,
  concurrency_per_worker: Number(values.concurrency),
  duration_s: DURATION_MS / 1000,
  targets: { shared: { share_of_binding_limit: '>= 0.95', share_429: '<= 0.01' } },
};
const shared = await run('redis');
report.shared = shared;
if (!values['skip-local']) report.local = await run('local');
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
await mkdir(path.dirname(values.report), { recursive: true });
await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
for (const name of ['shared', 'local'] as const) {
  const r = report[name] as typeof shared | undefined;
  if (!r) continue;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  process.stderr.write(`${name}: ${pct(r.share_of_binding_limit)} of ${r.binding_limit.toUpperCase()} (steady ${r.steady_seconds} s; whole run ${pct(r.share_of_binding_limit_whole_run)}), ${pct(r.share_429)} of ${r.requests} requests 429\n`);
}
const met = shared.share_of_binding_limit >= 0.95 && shared.share_429 <= 0.01;
process.stderr.write(`targets (shared ≥ 95% of the binding limit, ≤ 1% 429): ${met ? 'met' : 'NOT met'}; report in ${values.report}\n`);
