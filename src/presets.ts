import path from 'node:path';
import type { LoadedConfig } from './config/load-config.ts';
import type { FanyiConfig } from './config/config-schema.ts';
import { Engine } from './engine.ts';
import { FanyiError } from './errors.ts';
import { EndpointLimiter } from './limits/endpoint-limiter.ts';
import { EndpointPool } from './llm/endpoints/endpoint-pool.ts';
import type { LlmProvider } from './llm/provider.ts';
import { PseudoProvider } from './llm/providers/pseudo-provider.ts';
import { createSqliteStore } from './store/create-store.ts';

export interface EmbeddedEngineOptions {
  /** SQLite file; default `./fanyi.db`. */
  dbPath?: string;
  loaded: LoadedConfig;
}

/** One process, SQLite, the local worker pool: nothing to install. */
export async function createEmbeddedEngine(options: EmbeddedEngineOptions): Promise<Engine> {
  const dbPath = path.resolve(options.dbPath ?? 'fanyi.db');
  const { config } = options.loaded;
  const store = await createSqliteStore({ filename: dbPath });
  return new Engine({ store, config, provider: await createProvider(options.loaded), filesDir: `${dbPath}.files` });
}

/**
 * Every endpoint behind one pool with its own limiter and circuit breaker. The `openai` SDK is
 * loaded only when a real endpoint is used: offline runs start faster.
 */
export async function createProvider({ provider, endpoints, config }: LoadedConfig): Promise<EndpointPool> {
  const { failover } = config.llm;
  const poolOptions = { failoverAfter: failover.consecutive_failures, cooldownMs: failover.cooldown_seconds * 1000 };
  const limiter = (e: (typeof endpoints)[number]) => new EndpointLimiter({ rpm: e.rpm, tpm: e.tpm, maxConcurrency: e.maxConcurrency });
  if (provider.provider === 'pseudo') return new EndpointPool([{ name: 'pseudo', provider: new PseudoProvider(), limiter: limiter(endpoints[0]) }], poolOptions);
  const specs = [];
  for (const endpoint of endpoints) specs.push({ name: endpoint.name, provider: await openAiProvider(endpoint, config.llm), limiter: limiter(endpoint), weight: endpoint.weight, fallback: endpoint.fallback });
  return new EndpointPool(specs, poolOptions);
}

async function openAiProvider(endpoint: LoadedConfig['endpoints'][number], llm: Pick<FanyiConfig['llm'], 'temperature' | 'logprobs'>): Promise<LlmProvider> {
  if (!endpoint.baseUrl && !endpoint.apiKey) {
    throw new FanyiError('USAGE', 'the openai provider needs --base-url or --api-key (or OPENAI_BASE_URL / OPENAI_API_KEY)');
  }
  const { OpenAiCompatibleProvider } = await import('./llm/providers/openai-compatible-provider.ts');
  return new OpenAiCompatibleProvider({ baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey, model: endpoint.model, temperature: llm.temperature, logprobs: llm.logprobs });
}
