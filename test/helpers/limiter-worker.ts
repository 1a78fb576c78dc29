/**
 * One worker process of a shared-limit run (test/e2e/shared-rate-limit.test.ts,
 * bench/distributed-limits.ts): `concurrency` loops send translation calls through an
 * EndpointPool over the real OpenAI-compatible provider, until `untilMs` (epoch), each call
 * reserved with this process's limiter: a RedisEndpointLimiter on the shared endpoint key, or an
 * in-process EndpointLimiter (what every worker had before, each with the whole budget).
 *
 *   node --import tsx test/helpers/limiter-worker.ts '<WorkerSpec JSON>'
 *
 * Prints `ready` once loaded, starts when a line `go <untilMs>` comes on stdin (so slow starts of
 * some processes do not stagger the run), and prints one JSON line at the end: calls answered,
 * 429s seen, other failures.
 */
import { createInterface } from 'node:readline';
import { EndpointLimiter } from '../../src/limits/endpoint-limiter.ts';
import type { RateLimiter } from '../../src/limits/rate-limiter.ts';
import { createSharedLimiters, type SharedLimiters } from '../../src/limits/redis/redis-shared-limiters.ts';
import { EndpointPool } from '../../src/llm/endpoints/endpoint-pool.ts';
import { ProviderError, type TranslateItem } from '../../src/llm/provider.ts';
import { OpenAiCompatibleProvider } from '../../src/llm/providers/openai-compatible-provider.ts';
import { estimateItemTokens, PROMPT_OVERHEAD_TOKENS } from '../../src/tasks/batching/estimate-tokens.ts';
import { mulberry32 } from './simulated-faults.ts';

export interface WorkerSpec {
  baseUrl: string;
  /** `redis`: the shared limiter on `redisUrl` under `prefix`; `local`: an EndpointLimiter of its own. */
  limiter: 'redis' | 'local';
  redisUrl?: string;
  prefix?: string;
  rpm: number;
  tpm: number;
  /** Calls in flight in this process at most. */
  concurrency: number;
  /** Items per call, drawn between these (inclusive). */
  items: [number, number];
  targets: string[];
  seed: number;
}

export interface WorkerResult {
  ok: number;
  limited: number;
  failed: number;
}

const WORDS = ['Open', 'the', 'golden', 'chest', 'to', 'claim', 'your', 'daily', 'reward', 'now', 'upgrade', 'shield', 'potion', 'ancient', 'map', 'hero'];

function itemsFor(random: () => number, [min, max]: [number, number]): TranslateItem[] {
  const count = min + Math.floor(random() * (max - min + 1));
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 3 + Math.floor(random() * 6) }, () => WORDS[Math.floor(random() * WORDS.length)]);
    return { id: String(i + 1), text: words.join(' ') };
  });
}

async function run(spec: WorkerSpec): Promise<WorkerResult> {
  let shared: SharedLimiters | undefined;
  let limiter: RateLimiter;
  const endpoint = { name: 'sim', baseUrl: spec.baseUrl, model: 'sim', apiKeyEnv: 'SIM_KEY', rpm: spec.rpm, tpm: spec.tpm };
  if (spec.limiter === 'redis') {
    shared = createSharedLimiters({ redisUrl: spec.redisUrl!, prefix: spec.prefix });
    limiter = shared.limiterFor(endpoint);
  } else {
    limiter = new EndpointLimiter({ rpm: spec.rpm, tpm: spec.tpm });
  }
  const provider = new OpenAiCompatibleProvider({ baseUrl: spec.baseUrl, apiKey: 'bench', model: 'sim', temperature: 0, logprobs: false });
  const pool = new EndpointPool([{ name: 'sim', provider, limiter }]);
  // One call past the limiter before the run: the HTTP client and the reply parsing compiled and
  // warm, so a cold process start is not counted against the limiter (the parent lets the
  // provider's bucket refill before it starts the run).
  await provider.translate({ sourceLang: 'en', targetLang: spec.targets[0], items: [{ id: '1', text: 'Open' }], timeoutMs: 30_000 }).catch(() => {});
  const untilMs = await go();
  const result: WorkerResult = { ok: 0, limited: 0, failed: 0 };
  const random = mulberry32(spec.seed);
  let next = 0;
  const loop = async () => {
    while (Date.now() < untilMs) {
      const targetLang = spec.targets[next++ % spec.targets.length];
      const items = itemsFor(random, spec.items);
      const estimatedTokens = PROMPT_OVERHEAD_TOKENS + items.reduce((sum, item) => {
        const { input, output } = estimateItemTokens(item.text, targetLang);
        return sum + input + output;
      }, 0);
      try {
        await pool.translate({ sourceLang: 'en', targetLang, items, timeoutMs: 30_000, estimatedTokens });
        result.ok++;
      } catch (error) {
        if (error instanceof ProviderError && error.kind === 'rate_limit') result.limited++;
        else result.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  await shared?.close();
  return result;
}

/** The `go <untilMs>` line from the parent. */
async function go(): Promise<number> {
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const match = /^go (\d+)$/.exec(line.trim());
    if (match) return Number(match[1]);
  }
  throw new Error('stdin closed before go');
}

const spec = JSON.parse(process.argv[2]) as WorkerSpec;
process.stdout.write(`${JSON.stringify(await run(spec))}\n`);
process.exit(0);
