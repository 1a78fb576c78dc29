import { existsSync } from 'node:fs';
import path from 'node:path';
import { FanyiError } from '../errors.ts';
import { CLASS_PRESETS, resolveClassTable } from './class-presets.ts';
import { configSchema, type FanyiConfig } from './config-schema.ts';
import { describeIssues, readYaml } from './config-files.ts';
import { keyFor, type ProviderKeys } from './run-settings.ts';

/** Flags that override the file and the environment (CLI or API options). */
export interface ConfigOverrides {
  configPath?: string;
  provider?: 'openai' | 'pseudo';
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  maxBatchTokens?: number;
  /** `--store URL` (or `--db PATH` as `sqlite:PATH`): beats FANYI_STORE_URL and `store.url`. */
  storeUrl?: string;
  /** `--files-dir`: beats FANYI_FILES_DIR and `store.files_dir`. */
  filesDir?: string;
  /** `--queue URL`: beats FANYI_QUEUE_URL and `queue.url`. */
  queueUrl?: string;
  /** `--classes NAME|FILE`: a class table preset or file (relative to the working directory); beats `batching.classes`. */
  classes?: string;
}

/** What a run needs to reach its provider. The key lives here only, never in the store or logs. */
export interface ProviderSettings {
  provider: 'openai' | 'pseudo';
  baseUrl?: string;
  apiKey?: string;
  model: string;
}

/** One endpoint to call, its key read from the environment. */
export interface EndpointSettings {
  name: string;
  baseUrl?: string;
  apiKey?: string;
  /** The environment variable the key is read from (stored with a job instead of the key). */
  apiKeyEnv: string;
  model: string;
  rpm: number;
  tpm: number;
  maxConcurrency?: number;
  weight: number;
  fallback: boolean;
}

export interface LoadedConfig {
  config: FanyiConfig;
  provider: ProviderSettings;
  /** The pool to route over: `llm.endpoints`, else the one endpoint of `provider`. */
  endpoints: EndpointSettings[];
  /** Where this process's keys come from: `--api-key` and the environment (run-settings.ts withKeys). */
  keys: ProviderKeys;
  /** The file that was read, if any. */
  source?: string;
}

const DEFAULT_FILES = ['fanyi.yaml', 'fanyi.yml', 'config.yaml', 'config.yml'];

/**
 * Merges, lowest to highest precedence: defaults, the yaml file (`--config`, else the first of
 * fanyi.yaml/config.yaml in `cwd`), the environment, flags. Validated once, then frozen.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const source = findConfigFile(overrides.configPath, cwd);
  const raw = source ? readYaml(source) : {};
  const config = validate(raw, source);
  resolvePromptFile(config, source ? path.dirname(source) : cwd);
  resolveClasses(config, overrides.classes, source ? path.dirname(source) : cwd, cwd);
  applyOverrides(config, overrides);
  applyStore(config, overrides, env);
  const provider = resolveProvider(config, overrides, env);
  const endpoints = capToModelLimits(config, resolveEndpoints(config, provider, overrides, env));
  return { config: deepFreeze(config), provider, endpoints, keys: { apiKey: overrides.apiKey, env }, source };
}

function findConfigFile(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    const resolved = path.resolve(cwd, explicit);
    if (!existsSync(resolved)) throw new FanyiError('CONFIG_INVALID', `config file not found: ${explicit}`);
    return resolved;
  }
  return DEFAULT_FILES.map((name) => path.join(cwd, name)).find((file) => existsSync(file));
}

function validate(raw: unknown, source: string | undefined): FanyiConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new FanyiError('CONFIG_INVALID', `${source ? path.basename(source) : 'config'}: ${describeIssues(result.error)}`);
}

/** `prompts.system` is relative to the config file (the file is read and checked by prompt-style.ts). */
function resolvePromptFile(config: FanyiConfig, dir: string): void {
  if (!config.prompts.system) return;
  const file = path.resolve(dir, config.prompts.system);
  if (!existsSync(file)) throw new FanyiError('CONFIG_INVALID', `prompts.system: file not found: ${config.prompts.system} (looked in ${dir})`);
  config.prompts.system = file;
}

/**
 * `batching.classes` left as a preset name or made a table: a file is read now (relative to the
 * config file; `--classes` to the working directory), so a bad table stops the run before
 * anything is planned.
 */
function resolveClasses(config: FanyiConfig, flag: string | undefined, configDir: string, cwd: string): void {
  const spec = flag ?? config.batching.classes;
  if (typeof spec !== 'string') return;
  config.batching.classes = Object.hasOwn(CLASS_PRESETS, spec) ? spec : resolveClassTable(spec, flag !== undefined ? cwd : configDir);
}

function applyOverrides(config: FanyiConfig, o: ConfigOverrides): void {
  const { batch_control: batch, performance: perf } = config.llm;
  if (o.concurrency !== undefined) batch.max_concurrent_workers = positive('--concurrency', o.concurrency);
  if (o.rpm !== undefined) perf.rpm_throttle = positive('--rpm', o.rpm);
  if (o.tpm !== undefined) perf.tpm_throttle = positive('--tpm', o.tpm);
  if (o.maxBatchTokens !== undefined) batch.max_batch_tokens = positive('--max-batch-tokens', o.maxBatchTokens);
  if (o.model) config.llm.model = o.model;
}

/** Flags over the environment over the file; relative paths stay relative to the working directory. */
function applyStore(config: FanyiConfig, o: ConfigOverrides, env: NodeJS.ProcessEnv): void {
  const url = o.storeUrl ?? (env.FANYI_STORE_URL || undefined);
  if (url !== undefined) config.store.url = url;
  const filesDir = o.filesDir ?? (env.FANYI_FILES_DIR || undefined);
  if (filesDir !== undefined) config.store.files_dir = filesDir;
  const queueUrl = o.queueUrl ?? (env.FANYI_QUEUE_URL || undefined);
  if (queueUrl !== undefined) config.queue.url = queueUrl;
  if (env.FANYI_QUEUE_PREFIX) config.queue.prefix = env.FANYI_QUEUE_PREFIX;
  if (env.FANYI_LIMITS_URL) config.queue.limits_url = env.FANYI_LIMITS_URL;
}

function positive(flag: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new FanyiError('USAGE', `${flag} must be a positive whole number (got ${value})`);
  return value;
}

function resolveProvider(config: FanyiConfig, o: ConfigOverrides, env: NodeJS.ProcessEnv): ProviderSettings {
  const baseUrl = o.baseUrl ?? env.OPENAI_BASE_URL ?? config.llm.base_url;
  const apiKey = keyFor({ name: 'default', apiKeyEnv: config.llm.api_key_env }, { apiKey: o.apiKey, env });
  const model = o.model ?? env.FANYI_MODEL ?? config.llm.model;
  const provider = o.provider ?? config.llm.provider ?? (baseUrl || apiKey || config.llm.endpoints.length ? 'openai' : 'pseudo');
  if (provider === 'pseudo') return { provider, model: 'pseudo' };
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) throw new FanyiError('USAGE', `--base-url must be an http(s) URL (got ${baseUrl})`);
  return { provider, baseUrl, apiKey, model };
}

/**
 * Configured endpoints win unless a base URL was given on the command line or in the environment
 * (then that one endpoint is what the user asked for). Flags `--rpm/--tpm` cap every endpoint.
 */
function resolveEndpoints(config: FanyiConfig, provider: ProviderSettings, o: ConfigOverrides, env: NodeJS.ProcessEnv): EndpointSettings[] {
  const perf = config.llm.performance;
  const explicitUrl = o.baseUrl ?? env.OPENAI_BASE_URL;
  if (provider.provider === 'pseudo' || explicitUrl || !config.llm.endpoints.length) {
    const apiKeyEnv = config.llm.api_key_env;
    return [{ name: 'default', baseUrl: provider.baseUrl, apiKey: provider.apiKey, apiKeyEnv, model: provider.model, rpm: perf.rpm_throttle, tpm: perf.tpm_throttle, weight: 1, fallback: false }];
  }
  return config.llm.endpoints.map((e) => {
    const keyEnv = e.api_key_env ?? config.llm.api_key_env;
    if (e.api_key_env && !env[keyEnv]) throw new FanyiError('CONFIG_INVALID', `endpoint ${e.name}: environment variable ${keyEnv} is not set`);
    const cap = (own: number | undefined, flag: number | undefined, fallback: number) => Math.min(own ?? fallback, flag ?? Number.POSITIVE_INFINITY);
    return {
      name: e.name,
      baseUrl: e.base_url,
      apiKey: keyFor({ name: e.name, apiKeyEnv: keyEnv }, { apiKey: o.apiKey, env }),
      apiKeyEnv: keyEnv,
      model: o.model ?? e.model ?? provider.model,
      rpm: cap(e.rpm, o.rpm, perf.rpm_throttle),
      tpm: cap(e.tpm, o.tpm, perf.tpm_throttle),
      maxConcurrency: e.max_concurrency,
      weight: e.weight,
      fallback: e.fallback,
    };
  });
}

/**
 * `model_limits.rpm_limit`/`tpm_limit` are the model's own limits: nothing may pace above them,
 * whether the file, an endpoint or a flag set the pace. Capped rather than refused: the throttle
 * defaults (14,000 RPM, 1,100,000 TPM) are nobody's choice, and a limit is what a pace stays under.
 */
function capToModelLimits(config: FanyiConfig, endpoints: EndpointSettings[]): EndpointSettings[] {
  const { rpm_limit: rpm = Number.POSITIVE_INFINITY, tpm_limit: tpm = Number.POSITIVE_INFINITY } = config.llm.model_limits;
  const perf = config.llm.performance;
  perf.rpm_throttle = Math.min(perf.rpm_throttle, rpm);
  perf.tpm_throttle = Math.min(perf.tpm_throttle, tpm);
  return endpoints.map((e) => ({ ...e, rpm: Math.min(e.rpm, rpm), tpm: Math.min(e.tpm, tpm) }));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
