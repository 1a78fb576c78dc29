import type { LoadedConfig } from './config/load-config.ts';
import type { FanyiConfig } from './config/config-schema.ts';
import { runSettingsFrom, withKeys, type KeyedEndpoint, type ProviderKeys, type RunSettings } from './config/run-settings.ts';
import { Engine } from './engine.ts';
import type { JobControlFactory } from './executor/job-control.ts';
import { FanyiError } from './errors.ts';
import { EndpointLimiter } from './limits/endpoint-limiter.ts';
import type { LimiterFactory } from './limits/rate-limiter.ts';
import { DEFAULT_LANE_POLICIES, type LanePolicies } from './limits/lane-policy.ts';
import { EndpointPool } from './llm/endpoints/endpoint-pool.ts';
import { readSystemTemplate } from './llm/prompts/prompt-style.ts';
import type { LlmProvider } from './llm/provider.ts';
import { PseudoProvider } from './llm/providers/pseudo-provider.ts';
import { LocalDispatcher } from './queue/local/local-dispatcher.ts';
import { openStore, type OpenedStore } from './store/create-store.ts';
import { storeTarget } from './store/store-url.ts';
import type { JobStore } from './store/job-store.ts';

export interface EmbeddedEngineOptions {
  /** SQLite file, in place of the config's `store.url` (default `sqlite:fanyi.db`). */
  dbPath?: string;
  loaded: LoadedConfig;
  /** The queue lanes this process's in-process pool runs jobs of (`serve --lanes`); default all. */
  lanes?: readonly string[];
}

/**
 * One process, the local worker pool, and the store of `store.url`: SQLite by default (nothing
 * to install), or a PostgreSQL/MySQL database. Job sources and uploads are kept where every
 * machine of the store reads them (store/create-store.ts openStore).
 */
export async function createEmbeddedEngine(options: EmbeddedEngineOptions): Promise<Engine> {
  const { config } = options.loaded;
  const target = storeTarget(options.dbPath ? { ...config.store, url: `sqlite:${options.dbPath}` } : config.store);
  const opened = await openStore(target);
  if (config.queue.url) return (await createDistributedEngine(options.loaded, opened, target.filesDir, config.queue.url, { lanes: options.lanes })).engine;
  const { store, files } = opened;
  return new Engine({
    store,
    files,
    config,
    run: defaultRunSettings(options.loaded),
    providers: (settings) => createProvider(settings, options.loaded.keys, localLimiters(config.limits.lanes)),
    dispatchers: (parts) => new LocalDispatcher(parts),
    filesDir: target.filesDir,
    lanes: options.lanes,
  });
}

/**
 * The store plus a BullMQ queue (`queue.url`, redis:// or postgres://): jobs are enqueued, and
 * `fanyi worker` processes on any machine run their batches. BullMQ is loaded only here, so an
 * embedded run never loads it.
 */
async function createDistributedEngine(loaded: LoadedConfig, { store, files }: OpenedStore, filesDir: string, url: string, options: { lanes?: readonly string[]; workerConcurrency?: number } = {}) {
  const { lanes, workerConcurrency } = options;
  const { createBullmqBackend } = await import('./queue/bullmq/bullmq-backend.ts');
  const { queue, limits: limitsConfig } = loaded.config;
  const backend = createBullmqBackend(url, queue.prefix);
  const limitsUrl = queue.limits_url ?? (/^rediss?:/.test(url) ? url : undefined);
  const limits = limitsUrl ? await sharedLimiters(limitsUrl, queue.prefix, limitsConfig.lanes) : await workerShares(store, workerConcurrency, limitsConfig.lanes);
  const control = limitsUrl ? await sharedControls(limitsUrl, queue.prefix, workerConcurrency) : undefined;
  const engine = new Engine({
    store,
    files,
    config: loaded.config,
    run: defaultRunSettings(loaded),
    providers: (settings) => createProvider(settings, loaded.keys, limits?.limiterFor ?? localLimiters(limitsConfig.lanes)),
    dispatchers: backend.dispatchers,
    controls: control?.controls,
    cancels: backend.cancels,
    queue: {
      ...backend.queue,
      close: async () => {
        await backend.queue.close();
        await limits?.close();
        await control?.close();
      },
    },
    filesDir,
    lanes,
  });
  return { engine, backend };
}

/** Every endpoint's budget in Redis, shared by all workers and submitters on it (seed 003's global limiter). */
async function sharedLimiters(redisUrl: string, prefix: string, lanes: LanePolicies) {
  const { createSharedLimiters } = await import('./limits/redis/redis-shared-limiters.ts');
  return createSharedLimiters({ redisUrl, prefix: `${prefix}:limits`, lanes });
}

/**
 * Without Redis (a PostgreSQL queue): a worker paces on its share of each endpoint's budget, its
 * concurrency over every online worker's (worker-shares.ts). A submitter calls no model: none.
 */
async function workerShares(store: JobStore, concurrency: number | undefined, lanes: LanePolicies) {
  if (concurrency === undefined) return undefined;
  const { WorkerShares } = await import('./queue/worker-shares.ts');
  const shares = new WorkerShares({
    store,
    concurrency,
    lanes,
    onShare: (share, workers) => process.stderr.write(`fanyi: no Redis for shared rate limits (queue.limits_url): this worker paces on ${(share * 100).toFixed(0)}% of each endpoint's budget (${workers} workers online)\n`),
  });
  await shares.start();
  return { limiterFor: shares.limiterFor, close: async () => shares.stop() };
}

/**
 * Adaptive control shared per endpoint through the limiter's Redis, under `<prefix>:control`:
 * one evaluation per period over every process's calls (executor/shared-adaptive-control.ts).
 * `workerConcurrency`: a queue worker's `--concurrency`, its ceiling; a submitter works on no
 * batch, so it never reports and its ceiling is never read.
 */
async function sharedControls(redisUrl: string, prefix: string, workerConcurrency: number | undefined) {
  const [{ RedisControlState, controlScope }, { SharedAdaptiveControl }] = await Promise.all([import('./limits/redis/redis-control-state.ts'), import('./executor/shared-adaptive-control.ts')]);
  const state = new RedisControlState({ redisUrl, prefix: `${prefix}:control` });
  const controls: JobControlFactory = (options) => new SharedAdaptiveControl({ ...options, state, scope: controlScope(options.jobEndpoints), ceiling: workerConcurrency ?? options.startWorkers });
  return { controls, close: () => state.close() };
}

export interface QueueWorkerOptions {
  loaded: LoadedConfig;
  lanes: string[];
  concurrency: number;
  name: string;
  log?: (line: string) => void;
}

/**
 * A `fanyi worker`: an engine on the store and queue of the config, and the BullMQ worker host
 * that hands it batches (Engine.workBatch) on the given lanes.
 */
export async function createQueueWorker(options: QueueWorkerOptions) {
  const { config } = options.loaded;
  if (!config.queue.url) throw new FanyiError('USAGE', 'fanyi worker needs a queue: --queue redis://host:6379 (or postgres://…), or FANYI_QUEUE_URL');
  const target = storeTarget(config.store);
  const { engine, backend } = await createDistributedEngine(options.loaded, await openStore(target), target.filesDir, config.queue.url, { workerConcurrency: options.concurrency });
  const { BullmqWorkerHost } = await import('./queue/bullmq/bullmq-worker-host.ts');
  // A worker runs jobs on real endpoints: load the SDK now, not inside the first batch of the
  // first job, where its ~100 ms (more on a busy machine) delays that worker's first claim.
  await import('./llm/providers/openai-compatible-provider.ts');
  const { enqueueBatches, enqueueIngestion } = await import('./queue/bullmq/bullmq-dispatcher.ts');
  const { connection } = backend;
  const host = new BullmqWorkerHost({
    connection,
    store: engine.store,
    lanes: options.lanes,
    concurrency: options.concurrency,
    name: options.name,
    work: (ref, workerId, signal) => engine.workBatch(ref.jobId, ref.batchId, workerId, signal),
    enqueue: (jobId) => enqueueBatches(connection, engine.store, jobId),
    ingest: (jobId) => engine.ingestJob(jobId),
    report: (ref) => engine.reports.work(ref),
    enqueueIngestion: (jobId) => enqueueIngestion(connection, jobId),
    cancels: backend.cancels,
    startJitterMs: config.queue.start_jitter_ms,
    log: options.log,
  });
  return { engine, host };
}

/** What a new job is run with: the loaded config (its system template read and checked now). */
export function defaultRunSettings(loaded: LoadedConfig): RunSettings {
  const { system } = loaded.config.prompts;
  return runSettingsFrom(loaded, system ? readSystemTemplate(system) : undefined);
}

/** Each endpoint's budget in this process only, its lanes served per `lanes` (config `limits.lanes`): the embedded default. */
export function localLimiters(lanes: LanePolicies = DEFAULT_LANE_POLICIES): LimiterFactory {
  return (e) => new EndpointLimiter({ rpm: e.rpm, tpm: e.tpm, maxConcurrency: e.maxConcurrency, lanes });
}

/**
 * A job's endpoints behind one pool, each with its own limiter and circuit breaker, keys from
 * `keys`. The `openai` SDK is loaded only when a real endpoint is used: offline runs start faster.
 * `limiter` builds each endpoint's limiter: in-process by default; workers that share endpoints
 * pass `createSharedLimiters(…).limiterFor` (limits/redis/redis-shared-limiters.ts) so they share one budget.
 */
export async function createProvider(settings: RunSettings, keys: ProviderKeys, limiter: LimiterFactory = localLimiters()): Promise<EndpointPool> {
  const { failover } = settings.llm;
  const poolOptions = { failoverAfter: failover.consecutive_failures, cooldownMs: failover.cooldown_seconds * 1000 };
  const endpoints = withKeys(settings, keys);
  if (settings.provider === 'pseudo') return new EndpointPool([{ name: 'pseudo', provider: new PseudoProvider(), limiter: limiter(endpoints[0]) }], poolOptions);
  const specs = [];
  for (const endpoint of endpoints) specs.push({ name: endpoint.name, provider: await openAiProvider(endpoint, settings.llm), limiter: limiter(endpoint), weight: endpoint.weight, fallback: endpoint.fallback });
  return new EndpointPool(specs, poolOptions);
}

async function openAiProvider(endpoint: KeyedEndpoint, llm: Pick<FanyiConfig['llm'], 'temperature' | 'logprobs'>): Promise<LlmProvider> {
  if (!endpoint.baseUrl && !endpoint.apiKey) {
    throw new FanyiError('USAGE', 'the openai provider needs --base-url or --api-key (or OPENAI_BASE_URL / OPENAI_API_KEY)');
  }
  const { OpenAiCompatibleProvider } = await import('./llm/providers/openai-compatible-provider.ts');
  return new OpenAiCompatibleProvider({ baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey, model: endpoint.model, temperature: llm.temperature, logprobs: llm.logprobs });
}
