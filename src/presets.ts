import path from 'node:path';
import type { LoadedConfig } from './config/load-config.ts';
import { Engine } from './engine.ts';
import { FanyiError } from './errors.ts';
import { MemoryRateLimiter } from './limits/memory-rate-limiter.ts';
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
  const perf = config.llm.performance;
  return new Engine({
    store,
    config,
    provider: await createProvider(options.loaded),
    limiter: new MemoryRateLimiter({ rpm: perf.rpm_throttle, tpm: perf.tpm_throttle }),
    filesDir: `${dbPath}.files`,
  });
}

/** The `openai` SDK is loaded only when a real endpoint is used: offline runs start faster. */
export async function createProvider({ provider, config }: LoadedConfig): Promise<LlmProvider> {
  if (provider.provider === 'pseudo') return new PseudoProvider();
  if (!provider.baseUrl && !provider.apiKey) {
    throw new FanyiError('USAGE', 'the openai provider needs --base-url or --api-key (or OPENAI_BASE_URL / OPENAI_API_KEY)');
  }
  const { OpenAiCompatibleProvider } = await import('./llm/providers/openai-compatible-provider.ts');
  return new OpenAiCompatibleProvider({ baseUrl: provider.baseUrl, apiKey: provider.apiKey, model: provider.model, temperature: config.llm.temperature });
}
