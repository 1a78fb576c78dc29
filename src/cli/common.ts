import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type ConfigOverrides } from '../config/load-config.ts';
import type { Engine } from '../engine.ts';
import { FanyiError } from '../errors.ts';
import { createEmbeddedEngine } from '../presets.ts';

/** Flags every command that opens the store or reaches a provider shares. */
export interface CommonFlags {
  db?: string;
  config?: string;
  provider?: string;
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  concurrency?: string;
  rpm?: string;
  tpm?: string;
  maxBatchTokens?: string;
  json?: boolean;
}

export function addProviderOptions(command: Command): Command {
  return command
    .option('--provider <name>', 'openai or pseudo (default: openai when a base URL or key is set, else pseudo)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (env OPENAI_BASE_URL)')
    .option('--api-key <key>', 'API key (env OPENAI_API_KEY; prefer the env var: flags show in ps)')
    .option('--model <name>', 'model name (env FANYI_MODEL)')
    .option('--concurrency <n>', 'calls in flight at once (default 10)')
    .option('--rpm <n>', 'requests per minute to stay under')
    .option('--tpm <n>', 'tokens per minute to stay under')
    .option('--max-batch-tokens <n>', 'largest batch, in estimated input tokens');
}

export function addStoreOptions(command: Command): Command {
  return command.option('--db <path>', 'SQLite database file', 'fanyi.db').option('--config <file>', 'config file (default: ./fanyi.yaml or ./config.yaml)');
}

export function overridesFrom(flags: CommonFlags): ConfigOverrides {
  if (flags.provider && flags.provider !== 'openai' && flags.provider !== 'pseudo') {
    throw new FanyiError('USAGE', `--provider must be openai or pseudo (got ${flags.provider})`);
  }
  return {
    configPath: flags.config,
    provider: flags.provider as ConfigOverrides['provider'],
    baseUrl: flags.baseUrl,
    apiKey: flags.apiKey,
    model: flags.model,
    concurrency: int('--concurrency', flags.concurrency),
    rpm: int('--rpm', flags.rpm),
    tpm: int('--tpm', flags.tpm),
    maxBatchTokens: int('--max-batch-tokens', flags.maxBatchTokens),
  };
}

function int(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new FanyiError('USAGE', `${flag} must be a positive whole number (got '${value}')`);
  return n;
}

export async function openEngine(flags: CommonFlags): Promise<Engine> {
  const loaded = loadConfig(overridesFrom(flags));
  return createEmbeddedEngine({ dbPath: flags.db, loaded });
}

/**
 * For commands that only read a job (status, export): an existing database, and no provider,
 * so they work without credentials and never create a stray database file.
 */
export async function openExistingStore(flags: CommonFlags): Promise<Engine> {
  assertDatabase(flags);
  return openEngine({ db: flags.db, config: flags.config, provider: 'pseudo' });
}

/** status, resume and export read an existing database; a typo must not create a new one. */
export function assertDatabase(flags: CommonFlags): void {
  const db = flags.db ?? 'fanyi.db';
  if (!existsSync(db)) throw new FanyiError('JOB_NOT_FOUND', `no database at ${db}; run fanyi translate first, or pass --db`);
}

/** `game.xlsx` → `game.translated.xlsx` beside it. */
export function defaultOutPath(file: string): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}.translated${ext || '.xlsx'}`);
}

/** `--column-name`: a template must name the field, or every field's new column would get one header. */
export function columnNameFlag(template: string | undefined): string | undefined {
  if (template !== undefined && !(template.includes('{field}') && template.includes('{code}'))) throw new FanyiError('USAGE', `--column-name '${template}' must contain {field} and {code} (e.g. '{field}_{code}'): each field and language gets its own column`);
  return template;
}

export function splitList(value: string | undefined): string[] | undefined {
  const list = value?.split(',').map((s) => s.trim()).filter(Boolean);
  return list?.length ? list : undefined;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
