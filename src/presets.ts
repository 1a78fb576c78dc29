import type { LoadedConfig } from './config/load-config.ts';
import type { FanyiConfig } from './config/config-schema.ts';
import { runSettingsFrom, withKeys, type KeyedEndpoint, type ProviderKeys, type RunSettings } from './config/run-settings.ts';
import { Engine } from './engine.ts';
import { FanyiError } from './errors.ts';
import { EndpointLimiter } from './limits/endpoint-limiter.ts';
import { EndpointPool } from './llm/endpoints/endpoint-pool.ts';
import { readSystemTemplate } from './llm/prompts/prompt-style.ts';
import type { LlmProvider } from './llm/provider.ts';
import { PseudoProvider } from './llm/providers/pseudo-provider.ts';
import { LocalDispatcher } from './queue/local/local-dispatcher.ts';
import { createStore } from './store/create-store.ts';
import { storeTarget } from './store/store-url.ts';
import type { JobStore } from './store/job-store.ts';

export interface EmbeddedEngineOptions {
  /** SQLite file, in place of the config's `store.url` (default `sqlite:fanyi.db`). */
  dbPath?: string;
  loaded: LoadedConfig;
}

/**
 * One process, the local worker pool, and the store of `store.url`: SQLite by default (nothing
 * to install), or a PostgreSQL/MySQL database. Files stay in the target's local `filesDir`.
 */
export async function createEmbeddedEngine(options: EmbeddedEngineOptions): Promise<Engine> {
  const { config } = options.loaded;
  const target = storeTarget(options.dbPath ? { ...config.store, url: `sqlite:${options.dbPath}` } : config.store);
  const store = await createStore(target.url);
  if (config.queue.url) return (await createDistributedEngine(options.loaded, store, target.filesDir, config.queue.url)).engine;
  return new Engine({
    store,
    config,
    run: defaultRunSettings(options.loaded),
    providers: (settings) => createProvider(settings, options.loaded.keys),
    dispatchers: (parts) => new LocalDispatcher(parts),
    filesDir: target.filesDir,
  });
}

/**
 * The store plus a BullMQ queue (`queue.url`, redis:// or postgres://): jobs are enqueued, and
 * `fanyi worker` processes on any machine run their batches. BullMQ is loaded only here, so an
 * embedded run never loads it.
 */
async function createDistributedEngine(loaded: LoadedConfig, store: JobStore, filesDir: string, url: string) {
  const { createBullmqBackend } = await import('./queue/bullmq/bullmq-backend.ts');
  const backend = createBullmqBackend(url, loaded.config.queue.prefix);
  // Hook for the shared limiter (issue 14): createProvider takes the Redis limiter factory here,
  // so every worker on these endpoints shares one budget.
  const engine = new Engine({
    store,
    config: loaded.config,
    run: defaultRunSettings(loaded),
    providers: (settings) => createProvider(settings, loaded.keys),
    dispatchers: backend.dispatchers,
    cancels: backend.cancels,
    queue: backend.queue,
    filesDir,
  });
  return { engine, backend };
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
  const { engine, backend } = await createDistributedEngine(options.loaded, await createStore(target.url), target.filesDir, config.queue.url);
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
    enqueueIngestion: (jobId) => enqueueIngestion(connection, jobId),
    cancels: backend.cancels,
    log: options.log,
  });
  return { engine, host };
}

/** What a new job is run with: the loaded config (its system template read and checked now). */
export function defaultRunSettings(loaded: LoadedConfig): RunSettings {
  const { system } = loaded.config.prompts;
  return runSettingsFrom(loaded, system ? readSystemTemplate(system) : undefined);
}

/**
 * A job's endpoints behind one pool, each with its own limiter and circuit breaker, keys from
 * `keys`. The `openai` SDK is loaded only when a real endpoint is used: offline runs start faster.
 */
export async function createProvider(settings: RunSettings, keys: ProviderKeys): Promise<EndpointPool> {
  const { failover } = settings.llm;
  const poolOptions = { failoverAfter: failover.consecutive_failures, cooldownMs: failover.cooldown_seconds * 1000 };
  const limiter = (e: KeyedEndpoint) => new EndpointLimiter({ rpm: e.rpm, tpm: e.tpm, maxConcurrency: e.maxConcurrency });
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
