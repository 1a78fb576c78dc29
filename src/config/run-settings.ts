/**
 * How a job is run, stored with it: the provider kind, the endpoints (without keys), the
 * effective `llm` section (limits, concurrency, batch limits, retries, failover, adaptive
 * control, temperature, logprobs) and the prompt options. `resume`, `export`, the API's resume
 * and any later worker run the job with exactly these; flags given to `resume` change them for
 * that run and every later one. Keys are never stored: each endpoint names the environment
 * variable its key comes from, and a run without that key stops before any call.
 */
import type { FanyiConfig } from './config-schema.ts';
import { FanyiError } from '../errors.ts';
import type { ConfigOverrides, EndpointSettings, LoadedConfig } from './load-config.ts';

/** One endpoint as stored with a job: everything but its key (`apiKeyEnv` names where it comes from). */
export type StoredEndpoint = Omit<EndpointSettings, 'apiKey'> & {
  /** It was called with a key: a run that has none for it stops before any call. */
  needsKey: boolean;
};

/** The prompt options of a job, the custom system template inlined (its file may be gone by the next run). */
export interface StoredPrompts {
  language_notes: FanyiConfig['prompts']['language_notes'];
  examples: FanyiConfig['prompts']['examples'];
  /** The text of config `prompts.system`, already checked (prompt-style.ts). */
  system_template?: string;
}

export interface RunSettings {
  provider: 'openai' | 'pseudo';
  endpoints: StoredEndpoint[];
  llm: FanyiConfig['llm'];
  prompts: StoredPrompts;
}

/** Where keys come from in this process: `--api-key` (the `default` endpoint's) and the environment. */
export interface ProviderKeys {
  apiKey?: string;
  env: NodeJS.ProcessEnv;
}

/** An endpoint ready to call: the stored settings and the key this process has for it. */
export type KeyedEndpoint = StoredEndpoint & { apiKey?: string };

/** The run settings a loaded config describes, with no key in them. */
export function runSettingsFrom(loaded: LoadedConfig, systemTemplate?: string): RunSettings {
  const { config, provider, endpoints } = loaded;
  return {
    provider: provider.provider,
    endpoints: endpoints.map(storedEndpoint),
    llm: structuredClone(config.llm) as FanyiConfig['llm'],
    prompts: { language_notes: config.prompts.language_notes, examples: config.prompts.examples, ...(systemTemplate ? { system_template: systemTemplate } : {}) },
  };
}

function storedEndpoint({ apiKey, ...endpoint }: EndpointSettings): StoredEndpoint {
  return { ...endpoint, needsKey: Boolean(apiKey) };
}

/**
 * Each endpoint with this process's key for it. An endpoint that was called with a key and has
 * none here stops the run before any call, naming the endpoint and the variable.
 */
export function withKeys(settings: RunSettings, keys: ProviderKeys): KeyedEndpoint[] {
  if (settings.provider === 'pseudo') return settings.endpoints;
  return settings.endpoints.map((endpoint) => {
    const apiKey = keyFor(endpoint, keys);
    if (endpoint.needsKey && !apiKey) {
      const flag = endpoint.name === 'default' ? ' or pass --api-key' : '';
      throw new FanyiError('USAGE', `endpoint ${endpoint.name}${endpoint.baseUrl ? ` (${endpoint.baseUrl})` : ''} needs an API key: set ${endpoint.apiKeyEnv}${flag}`);
    }
    return { ...endpoint, apiKey };
  });
}

/**
 * The one statement of key precedence, used when the config is loaded and when a stored job's
 * endpoints get their keys: the `default` endpoint takes `--api-key`, then its variable, then
 * OPENAI_API_KEY; a named endpoint only its own variable.
 */
export function keyFor(endpoint: Pick<StoredEndpoint, 'name' | 'apiKeyEnv'>, { apiKey, env }: ProviderKeys): string | undefined {
  if (endpoint.name !== 'default') return env[endpoint.apiKeyEnv];
  return apiKey ?? env[endpoint.apiKeyEnv] ?? env.OPENAI_API_KEY;
}

/** The settings a resume runs with: the stored ones, changed by the flags given to it. */
export interface ChangedSettings {
  settings: RunSettings;
  /** `concurrency 4 → 2` for every setting the flags changed; empty: the stored settings stand. */
  changes: string[];
}

/**
 * Applies `resume`'s flags to a job's stored settings. The provider kind never changes: a job
 * started with the offline pseudo provider would otherwise mix pseudo-localized text with real
 * translations in one workbook, or the other way round.
 */
export function applyResumeFlags(stored: RunSettings, o: ConfigOverrides, keys: ProviderKeys): ChangedSettings {
  const next = structuredClone(stored);
  const changes: string[] = [];
  const set = <T>(what: string, from: T, to: T | undefined, apply: (value: T) => void) => {
    if (to === undefined || to === from) return;
    apply(to);
    changes.push(`${what} ${from ?? '(none)'} → ${to}`);
  };
  const kind = o.provider ?? (o.baseUrl ? 'openai' : stored.provider);
  if (kind !== stored.provider) {
    throw new FanyiError('USAGE', `this job was started with the ${stored.provider} provider and cannot be resumed with ${kind}: that would mix ${stored.provider === 'pseudo' ? 'pseudo-localized text with real translations' : 'real translations with pseudo-localized text'} in one workbook; start a new job instead`);
  }
  if (stored.provider === 'pseudo' && o.model) throw new FanyiError('USAGE', 'this job runs on the offline pseudo provider, which has no model: drop --model');
  const { llm } = next;
  set('concurrency', llm.batch_control.max_concurrent_workers, o.concurrency, (v) => (llm.batch_control.max_concurrent_workers = v));
  set('max batch tokens', llm.batch_control.max_batch_tokens, o.maxBatchTokens, (v) => (llm.batch_control.max_batch_tokens = v));
  if (o.baseUrl) {
    set('base URL', endpointList(stored), o.baseUrl, () => (next.endpoints = [singleEndpoint(next, o.baseUrl!, keys)]));
  }
  set('model', endpointModels(next), o.model, (model) => {
    llm.model = model;
    for (const e of next.endpoints) e.model = model;
  });
  // model_limits.rpm_limit/tpm_limit stay the ceiling, as on translate (load-config.ts capToModelLimits).
  const ceiling = (flag: number | undefined, limit: number | undefined) => (flag === undefined ? undefined : Math.min(flag, limit ?? flag));
  set('rpm', llm.performance.rpm_throttle, ceiling(o.rpm, llm.model_limits.rpm_limit), (rpm) => {
    llm.performance.rpm_throttle = rpm;
    for (const e of next.endpoints) e.rpm = Math.min(configured(llm, e.name)?.rpm ?? rpm, rpm);
  });
  set('tpm', llm.performance.tpm_throttle, ceiling(o.tpm, llm.model_limits.tpm_limit), (tpm) => {
    llm.performance.tpm_throttle = tpm;
    for (const e of next.endpoints) e.tpm = Math.min(configured(llm, e.name)?.tpm ?? tpm, tpm);
  });
  return { settings: next, changes };
}

/** `--base-url` on resume: that one endpoint, as on translate (it wins over configured endpoints). */
function singleEndpoint(settings: RunSettings, baseUrl: string, keys: ProviderKeys): StoredEndpoint {
  if (!/^https?:\/\//.test(baseUrl)) throw new FanyiError('USAGE', `--base-url must be an http(s) URL (got ${baseUrl})`);
  const { llm } = settings;
  const model = settings.endpoints[0]?.model ?? llm.model;
  const endpoint = { name: 'default', baseUrl, model, rpm: llm.performance.rpm_throttle, tpm: llm.performance.tpm_throttle, weight: 1, fallback: false, apiKeyEnv: llm.api_key_env };
  return { ...endpoint, needsKey: Boolean(keyFor(endpoint, keys)) };
}

function configured(llm: FanyiConfig['llm'], name: string) {
  return llm.endpoints.find((e) => e.name === name);
}

function endpointList(settings: RunSettings): string {
  return settings.endpoints.map((e) => e.baseUrl ?? e.name).join(', ');
}

function endpointModels(settings: RunSettings): string {
  return [...new Set(settings.endpoints.map((e) => e.model))].join(', ');
}

/** One line for `fanyi status`: provider, endpoints with model and limits, concurrency. */
export function describeRunSettings(settings: RunSettings): string {
  const concurrency = settings.llm.batch_control.max_concurrent_workers;
  if (settings.provider === 'pseudo') return `pseudo (offline pseudo-localization), concurrency ${concurrency}`;
  const endpoints = settings.endpoints.map((e) => `${e.name}${e.baseUrl ? ` ${e.baseUrl}` : ''} ${e.model} (rpm ${e.rpm}, tpm ${e.tpm}${e.fallback ? ', fallback' : ''}, key ${e.needsKey ? `from ${e.apiKeyEnv}` : 'none'})`);
  return `openai: ${endpoints.join('; ')}; concurrency ${concurrency}`;
}
