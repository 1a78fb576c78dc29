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
import { openStore } from './store/create-store.ts';
import { storeTarget } from './store/store-url.ts';

export interface EmbeddedEngineOptions {
  /** SQLite file, in place of the config's `store.url` (default `sqlite:fanyi.db`). */
  dbPath?: string;
  loaded: LoadedConfig;
}

/**
 * One process, the local worker pool, and the store of `store.url`: SQLite by default (nothing
 * to install), or a PostgreSQL/MySQL database. Job sources and uploads are kept where every
 * machine of the store reads them (store/create-store.ts openStore).
 */
export async function createEmbeddedEngine(options: EmbeddedEngineOptions): Promise<Engine> {
  const { config } = options.loaded;
  const target = storeTarget(options.dbPath ? { ...config.store, url: `sqlite:${options.dbPath}` } : config.store);
  const { store, files } = await openStore(target);
  return new Engine({
    store,
    files,
    config,
    run: defaultRunSettings(options.loaded),
    providers: (settings) => createProvider(settings, options.loaded.keys),
    dispatchers: (parts) => new LocalDispatcher(parts),
    filesDir: target.filesDir,
  });
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
