/**
 * npm run bench:lanes — "translation never blocks analysis" (issue 15, seed 003's lanes and one
 * shared limit): how much longer a small job on a priority lane takes while a big translation
 * job saturates the endpoint's TPM, against the same job alone on the same limit.
 *
 * A simulated provider enforces the limits (continuously refilled, one-second burst, latency
 * ± 25%); the jobs run on engines in this process, with the in-process pool:
 *   - `--limiter local`: one engine for both jobs, so one in-process limiter (EndpointLimiter)
 *     per endpoint serves both lanes;
 *   - `--limiter redis`: one engine per job, each with its own Redis connection and limiter on the
 *     same endpoint key (RedisEndpointLimiter, endpoint-budget.lua): two workers sharing one
 *     budget, as `fanyi worker --lanes translation` and `fanyi worker --lanes learning` would.
 * Three runs per limiter, each on a fresh provider and store:
 *   1. `alone`: the small job (default 100 rows × pt-BR, th = 200 cells) on lane `learning`;
 *   2. `priority`: the big translation job (default 20,000 cells: 5,000 rows × pt-BR, th, vi, de)
 *      runs until the endpoint is saturated (--warmup S), then the small job starts on `learning`;
 *   3. `same lane`: as 2, the small job on `translation` (what a job got before lanes).
 * With `--small insights` the small job is seed 003's analysis instead: a `fanyi map` job with the
 * review-insights recipe (its class table and prompt) over the first --small-rows reviews of the
 * real review file (../shared/data/real/reviews-amazon-fine-food), each row checked completed.
 * The big job is stopped once the small one is done. Printed: each small-job time, the ratios
 * priority ÷ alone (the issue's target for analysis jobs: ≤ 1.5×) and same lane ÷ alone, and the
 * share of the TPM limit the provider admitted while the small job ran (the saturation check).
 * Every small job's output is checked cell by cell against the simulated translation.
 *
 * Options: --limiter local|redis|both (both), --big-rows N (5000), --small-rows N (100),
 * --tpm N (200000), --rpm N (1200), --latency MS (300), --warmup S (5), --small-lane NAME
 * (learning), --small translate|insights (translate), --redis URL (redis://127.0.0.1:6379), --report FILE.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type LoadedConfig } from '../src/config/load-config.ts';
import { Engine } from '../src/engine.ts';
import { mapInputsFrom } from '../src/cli/commands/map.ts';
import { createSharedLimiters, type SharedLimiters } from '../src/limits/redis/redis-shared-limiters.ts';
import { createEmbeddedEngine, createProvider, defaultRunSettings } from '../src/presets.ts';
import { LocalDispatcher } from '../src/queue/local/local-dispatcher.ts';
import { openStore } from '../src/store/create-store.ts';
import { storeTarget } from '../src/store/store-url.ts';
import { parseCsv } from '../src/workbook/csv/csv-parse.ts';
import { realDataPath } from '../test/helpers/real-data.ts';
import { deleteKeys } from '../test/helpers/redis-server.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../test/helpers/simulated-provider.ts';
import { sourceTexts, TARGETS, writeBenchWorkbook, wrongCells } from './limits-workbook.ts';

const { values } = parseArgs({
  options: {
    limiter: { type: 'string', default: 'both' },
    'big-rows': { type: 'string', default: '5000' },
    'small-rows': { type: 'string', default: '100' },
    tpm: { type: 'string', default: '200000' },
    rpm: { type: 'string', default: '1200' },
    latency: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '5' },
    'small-lane': { type: 'string', default: 'learning' },
    small: { type: 'string', default: 'translate' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    report: { type: 'string' },
  },
});
type Limiter = 'local' | 'redis';
const LIMITS = { rpm: Number(values.rpm), tpm: Number(values.tpm), latencyMs: Number(values.latency) };
const SMALL_TARGETS = ['pt-BR', 'th'];
const SMALL = values.small === 'insights' ? 'insights' : values.small === 'translate' ? 'translate' : usage(`--small ${values.small}: translate or insights`);
const REVIEWS = 'reviews-amazon-fine-food/fine_food_reviews_1k.csv';
const COMMAND = `npm run bench:lanes -- ${process.argv.slice(2).join(' ')}`.trim();

interface Run {
  small_ms: number;
  /** Tokens the provider admitted per minute while the small job ran, ÷ the TPM limit. */
  tpm_share_during: number;
  /** Cells of the big job completed while the small job ran (its lane's reserved share at work). */
  big_cells_during: number;
  /** Requests refused with 429 while the small job ran. */
  refused_during: number;
}

/** The engines of one run: the small job's and the big job's (the same one with a local limiter). */
interface Engines {
  small: Engine;
  big: Engine;
  close(): Promise<void>;
}

/** A fresh provider, store and engines; `withBig`: the big job saturates the endpoint first. */
async function run(limiter: Limiter, smallLane: string, withBig: boolean): Promise<Run> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-bench-lanes-'));
  const provider = await startSimulatedProvider({ ...LIMITS, burstWindowMs: 1_000, latencyJitter: 0.25, apiKey: 'bench', recordTexts: false });
  let engines: Engines | undefined;
  const big = new AbortController();
  try {
    engines = await openEngines(limiter, dir, provider);
    const smallTexts = sourceTexts(Number(values['small-rows']), 7).map((t) => `${t} (review)`);
    const small = SMALL === 'insights' ? await createInsightsJob(engines.small, dir, Number(values['small-rows']), smallLane) : await createJob(engines.small, dir, 'small', smallTexts, SMALL_TARGETS, smallLane, true);
    let bigRun: Promise<unknown> = Promise.resolve();
    let bigJob: string | undefined;
    if (withBig) {
      bigJob = await createJob(engines.big, dir, 'big', sourceTexts(Number(values['big-rows'])), TARGETS, 'translation');
      bigRun = engines.big.runJob(bigJob, big.signal).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, Number(values.warmup) * 1000));
    }
    const bigDone = async () => (bigJob ? (await engines!.big.store.countByStatus(bigJob)).completed : 0);
    const before = { at: Date.now(), log: provider.stats.requestLog.length, tokens: provider.stats.promptTokens + provider.stats.completionTokens, big: await bigDone() };
    await engines.small.runJob(small);
    const smallMs = Date.now() - before.at;
    const bigCells = (await bigDone()) - before.big;
    const during = provider.stats.requestLog.slice(before.log);
    const tokens = provider.stats.promptTokens + provider.stats.completionTokens - before.tokens;
    if (SMALL === 'insights') {
      const counts = await engines.small.store.countByStatus(small);
      if (counts.completed !== Number(values['small-rows'])) throw new Error(`insights job: ${counts.completed} of ${values['small-rows']} rows completed (${JSON.stringify(counts)})`);
    } else {
      const wrong = await wrongCells(path.join(dir, 'small.out.xlsx'), smallTexts, SMALL_TARGETS);
      if (wrong) throw new Error(`small job: ${wrong} cells missing or wrong`);
    }
    big.abort(new Error('bench done'));
    await bigRun;
    return {
      small_ms: smallMs,
      tpm_share_during: round(tokens / (smallMs / 60_000) / LIMITS.tpm),
      big_cells_during: bigCells,
      refused_during: during.filter((e) => e.status === 429).length,
    };
  } finally {
    big.abort(new Error('bench done'));
    await engines?.close();
    await provider.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function openEngines(limiter: Limiter, dir: string, provider: SimulatedProvider): Promise<Engines> {
  const configPath = path.join(dir, 'fanyi.yaml');
  // Batches of 20 short strings: calls of a few hundred tokens, several per second at the limit.
  await writeFile(configPath, 'llm:\n  batch_control: { max_batch_size: 20, max_concurrent_workers: 16 }\ntranslation: { memory: false }\n');
  const loaded = (name: string) => loadConfig({ configPath, provider: 'openai', baseUrl: provider.baseUrl, apiKey: 'bench', model: 'sim-model', rpm: LIMITS.rpm, tpm: LIMITS.tpm, storeUrl: `sqlite:${path.join(dir, `${name}.db`)}` }, {}, dir);
  if (limiter === 'local') {
    const engine = await createEmbeddedEngine({ loaded: loaded('fanyi') });
    return { small: engine, big: engine, close: () => engine.close() };
  }
  const prefix = `fanyi-bench-lanes:${randomUUID()}`;
  const [small, big] = [await sharedEngine(loaded('small'), prefix), await sharedEngine(loaded('big'), prefix)];
  return {
    small: small.engine,
    big: big.engine,
    close: async () => {
      for (const e of [small, big]) {
        await e.engine.close();
        await e.limits.close();
      }
      await deleteKeys(values.redis, prefix);
    },
  };
}

/** An engine whose endpoints draw on one budget in Redis under `prefix` (a worker of its own). */
async function sharedEngine(loaded: LoadedConfig, prefix: string): Promise<{ engine: Engine; limits: SharedLimiters }> {
  const target = storeTarget(loaded.config.store);
  const { store, files } = await openStore(target);
  const limits = createSharedLimiters({ redisUrl: values.redis, prefix, lanes: loaded.config.limits.lanes });
  const engine = new Engine({
    store,
    files,
    config: loaded.config,
    run: defaultRunSettings(loaded),
    providers: (settings) => createProvider(settings, loaded.keys, limits.limiterFor),
    dispatchers: (parts) => new LocalDispatcher(parts),
    filesDir: target.filesDir,
  });
  return { engine, limits };
}

/** `withOutput`: written to `<name>.out.xlsx` when done (the big job, stopped half way, writes none). */
async function createJob(engine: Engine, dir: string, name: string, texts: string[], targets: string[], lane: string, withOutput = false): Promise<string> {
  const file = path.join(dir, `${name}.xlsx`);
  await writeBenchWorkbook(file, texts, targets);
  const { job } = await engine.createJob({ file, to: targets, lane, ...(withOutput ? { outPath: path.join(dir, `${name}.out.xlsx`) } : {}) });
  return job.job_id;
}

/** A map job with the review-insights recipe over the first `rows` real reviews (a CSV of those records, as they are in the file). */
async function createInsightsJob(engine: Engine, dir: string, rows: number, lane: string): Promise<string> {
  const file = path.join(dir, 'reviews.csv');
  const { records } = parseCsv(await readFile(realDataPath(REVIEWS), 'utf8'), ',', { maxRecords: rows + 1 });
  await writeFile(file, records.map((r) => `${r.raw}\n`).join(''));
  const { map, classify } = await mapInputsFrom({ recipe: 'review-insights' }, engine.config);
  const { job } = await engine.createMapJob({ file, map, classify, lane, outPath: path.join(dir, 'reviews.out.csv') });
  return job.job_id;
}

function usage(message: string): never {
  process.stderr.write(`bench:lanes: ${message}\n`);
  process.exit(2);
}

function round(n: number, digits = 3): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function measure(limiter: Limiter) {
  const lane = values['small-lane'];
  process.stderr.write(`${limiter}: alone, ${values['small-rows']} rows on ${lane}…\n`);
  const alone = await run(limiter, lane, false);
  process.stderr.write(`${limiter}: priority, the same job on ${lane} while ${values['big-rows']} rows × ${TARGETS.length} translate…\n`);
  const priority = await run(limiter, lane, true);
  process.stderr.write(`${limiter}: same lane, the same job on translation beside the big one…\n`);
  const sameLane = await run(limiter, 'translation', true);
  const result = { alone, priority, same_lane: sameLane, ratio_priority_vs_alone: round(priority.small_ms / alone.small_ms, 2), ratio_same_lane_vs_alone: round(sameLane.small_ms / alone.small_ms, 2) };
  process.stderr.write(
    `${limiter} limiter: small job alone ${(alone.small_ms / 1000).toFixed(1)} s; on ${lane} beside a saturating translation job ${(priority.small_ms / 1000).toFixed(1)} s ` +
      `(${result.ratio_priority_vs_alone}× alone; endpoint at ${Math.round(priority.tpm_share_during * 100)}% of TPM meanwhile, ${priority.big_cells_during} cells of the big job done meanwhile, ${priority.refused_during} × 429); ` +
      `on the translation lane instead ${(sameLane.small_ms / 1000).toFixed(1)} s (${result.ratio_same_lane_vs_alone}×)\n`,
  );
  return result;
}

const limiters: Limiter[] = values.limiter === 'both' ? ['local', 'redis'] : [values.limiter as Limiter];
const report: Record<string, unknown> = {
  command: COMMAND,
  commit: commit(),
  limits: LIMITS,
  small_lane: values['small-lane'],
  small_job: SMALL === 'insights' ? `map --recipe review-insights over the first ${values['small-rows']} rows of ${REVIEWS}` : `translate ${values['small-rows']} rows × ${SMALL_TARGETS.join(', ')}`,
  small_cells: Number(values['small-rows']) * (SMALL === 'insights' ? 1 : SMALL_TARGETS.length),
  big_cells: Number(values['big-rows']) * TARGETS.length,
};
for (const limiter of limiters) report[limiter] = await measure(limiter);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (values.report) await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
